import type { Approval } from '../core/types';

// What the service layer may ask of approvals (SPEC §4, §6), whatever the engine. Every method returns a
// Promise: the next engine is PostgreSQL, whose driver is asynchronous (SQLite answers at once inside).

export type ApprovalStatus = 'active' | 'revoked' | 'expired';

export interface ApprovalRecord extends Approval {
  readonly id: number;
  readonly status: ApprovalStatus;
}

export interface ApproveInput {
  readonly repository: string;
  readonly digest: string;
  readonly tag: string | null;
  readonly by: string;
  readonly reason: string | null;
  readonly expiresAt: number | null;
  readonly imageCreatedAt: number | null;
  readonly now: number;
}

export interface RevokeInput {
  readonly repository: string;
  readonly digest: string;
  readonly by: string;
  readonly reason: string | null;
  readonly now: number;
}

export interface ListApprovalsOptions {
  readonly repositoryGlob?: string;
  /** Include revoked and expired approvals. */
  readonly all: boolean;
  readonly now: number;
}

export interface ApprovalsRepository {
  /** Records a new approval (a new current row, also when the digest was approved or revoked before). */
  approve(input: ApproveInput): Promise<ApprovalRecord>;
  /** Revokes the current approval of repository+digest; NotFoundError when there is none unrevoked. */
  revoke(input: RevokeInput): Promise<ApprovalRecord>;
  /** Current approvals (newest per repository+digest), by repository then approval time. */
  list(options: ListApprovalsOptions): Promise<readonly ApprovalRecord[]>;
}
