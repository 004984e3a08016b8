import type { VerifyResult } from '../store/audit-verify';
import type { ChangeLogVerdict } from '../store/change-log-repository';
import type { Store } from '../store/store';

// What `audit verify` checks in a store, whatever the engine (SPEC §6, §7): the decisions' chain and the indexes
// derived from it, the change log's chain, and that approvals, exceptions, grants and scans equal what the change log
// says. `store copy` checks the same, before and after copying.

export interface StoreVerdict {
  readonly decisions: VerifyResult;
  readonly changes: ChangeLogVerdict;
}

export async function verifyStore(store: Store): Promise<StoreVerdict> {
  return { decisions: await store.audit.verify(), changes: await store.changes.verify() };
}

/** One line per problem, in the order `audit verify` prints them; empty when the store verifies. */
export function verdictProblems({ decisions, changes }: StoreVerdict): string[] {
  const where = !decisions.ok && decisions.firstBadId !== null ? ` at decision ${decisions.firstBadId}` : '';
  const decisionLines = decisions.ok ? [] : [`${decisions.kind === 'chain' ? 'audit chain broken' : 'audit index edited'}${where}: ${decisions.problem}`];
  const chain = changes.chain === null ? [] : [`change log broken at change ${changes.chain.changeId}: ${changes.chain.problem}`];
  return [...decisionLines, ...chain, ...changes.state];
}
