import { NotFoundError } from '../errors';
import type { AuditDecision } from '../store/audit-query';
import type { AuditRepository } from '../store/audit-repository';
import { chainName } from '../store/writer-identity';
import { type ChainVerification, type DecisionVerification, decisionVerification } from './chain-verification';

export interface DecisionDetail {
  readonly decision: AuditDecision;
  /**
   * Its place in the audit trail (SPEC §6): each writer chains its own decisions 1, 2, 3, … (`decisions/WRITER`, as
   * checkpoints and `audit verify` name chains); those recorded before writers were are the chain `decisions`, in id order.
   */
  readonly chainPosition: { readonly chain: string; readonly entry: number };
  readonly verification: DecisionVerification;
}

/** One decision with its place in the chain and what is known of the chain's integrity; NotFoundError when absent. */
export async function decisionDetail(audit: AuditRepository, id: number, chain: ChainVerification): Promise<DecisionDetail> {
  const decision = await audit.decision(id);
  if (decision === null) throw new NotFoundError(`no decision ${id}`);
  const writer = decision.writer === null ? null : { writer: decision.writer, cluster: decision.cluster };
  const chainPosition = { chain: chainName(writer), entry: decision.chainSeq ?? decision.id };
  return { decision, chainPosition, verification: decisionVerification(decision.id, chain) };
}
