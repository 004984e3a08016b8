import { compileGlob } from '../core/glob';
import type { AuditDecision, DecisionCursor, DecisionFilter } from '../store/audit-query';
import type { AuditRepository } from '../store/audit-repository';
import type { GrantRecord, GrantsRepository } from '../store/grants-repository';
import { decisionPage } from './list-decisions';

// Every break-glass override (SPEC §4) with the grant that was in force for it (issue 15, the dashboard's Break-glass
// page): the audit trail records the ticket and namespace, the grants table when each grant held.

export interface BreakGlassUse {
  readonly decision: AuditDecision;
  /** The newest grant for this ticket whose namespace glob matches and that was in force at the decision, or null. */
  readonly grant: GrantRecord | null;
}

export interface BreakGlassPage {
  readonly uses: readonly BreakGlassUse[];
  readonly next: DecisionCursor | null;
}

/** One page of break-glass decisions matching the filter, newest first, each with its grant. */
export async function breakGlassUses(
  repos: { readonly audit: AuditRepository; readonly grants: GrantsRepository },
  filter: DecisionFilter,
  now: number,
): Promise<BreakGlassPage> {
  const page = await decisionPage(repos.audit, { ...filter, breakGlass: true });
  const grants = await repos.grants.list({ all: true, now });
  return { uses: page.decisions.map((decision) => ({ decision, grant: grantInForce(decision, grants) })), next: page.next };
}

function grantInForce(decision: AuditDecision, grants: readonly GrantRecord[]): GrantRecord | null {
  const held = grants.filter(
    (g) =>
      g.ticket === decision.ticket &&
      g.grantedAt <= decision.time &&
      g.expiresAt > decision.time &&
      (g.revokedAt === null || g.revokedAt > decision.time) &&
      compileGlob(g.namespace)(decision.namespace),
  );
  return held.reduce<GrantRecord | null>((newest, g) => (newest === null || g.id > newest.id ? g : newest), null);
}
