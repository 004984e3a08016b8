import { NotFoundError } from '../errors';
import type { AuditDecision } from '../store/audit-query';
import type { AuditRepository } from '../store/audit-repository';
import { type ChainVerification, type DecisionVerification, decisionVerification } from './chain-verification';

export interface DecisionDetail {
  readonly decision: AuditDecision;
  /** Its position in the audit chain: decisions are numbered 1, 2, 3, … in the order they were chained (SPEC §6). */
  readonly chainPosition: number;
  readonly verification: DecisionVerification;
}

/** One decision with its place in the chain and what is known of the chain's integrity; NotFoundError when absent. */
export async function decisionDetail(audit: AuditRepository, id: number, chain: ChainVerification): Promise<DecisionDetail> {
  const decision = await audit.decision(id);
  if (decision === null) throw new NotFoundError(`no decision ${id}`);
  return { decision, chainPosition: decision.id, verification: decisionVerification(decision.id, chain) };
}
