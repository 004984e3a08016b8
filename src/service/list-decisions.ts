import type { AuditDecision, DecisionCursor, DecisionFilter } from '../store/audit-query';
import type { AuditRepository } from '../store/audit-repository';

// `audit` (SPEC §7) and the dashboard's Decisions and Break-glass pages: one query path for every edge (issue 9).

/** Decisions matching the filter, newest first, at most `filter.limit`. */
export function listDecisions(audit: AuditRepository, filter: DecisionFilter): Promise<readonly AuditDecision[]> {
  return audit.decisions(filter);
}

export interface DecisionPage {
  readonly decisions: readonly AuditDecision[];
  /** Where the next (older) page starts, or null when this page is the last. */
  readonly next: DecisionCursor | null;
}

/** One page of `listDecisions`: one row more is read to know whether another page follows. */
export async function decisionPage(audit: AuditRepository, filter: DecisionFilter): Promise<DecisionPage> {
  const rows = await audit.decisions({ ...filter, limit: filter.limit + 1 });
  const decisions = rows.slice(0, filter.limit);
  const last = decisions[decisions.length - 1];
  return { decisions, next: rows.length > filter.limit && last !== undefined ? { time: last.time, id: last.id } : null };
}
