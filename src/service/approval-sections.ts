import type { ApprovalRecord, ApprovalsRepository } from '../store/approvals-repository';

// The dashboard's Approvals page (issue 15): which approvals are in force, which lose it within 14 days, which ended.

export const EXPIRING_WITHIN_MS = 14 * 24 * 3600 * 1000;

export interface ApprovalSections {
  readonly active: readonly ApprovalRecord[];
  readonly expiring: readonly ApprovalRecord[];
  readonly expired: readonly ApprovalRecord[];
  readonly revoked: readonly ApprovalRecord[];
}

/** Each section holds at most `limit` approvals. */
export async function approvalSections(approvals: ApprovalsRepository, now: number, limit: number): Promise<ApprovalSections> {
  const find = (status: 'active' | 'expiring' | 'expired' | 'revoked'): Promise<readonly ApprovalRecord[]> =>
    approvals.find({ status, now, expiringBefore: now + EXPIRING_WITHIN_MS, limit });
  const [active, expiring, expired, revoked] = await Promise.all([find('active'), find('expiring'), find('expired'), find('revoked')]);
  return { active, expiring, expired, revoked };
}
