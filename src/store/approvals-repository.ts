import type { Approval, ApprovalSignature } from '../core/types';

// What the service layer may ask of approvals (SPEC §4, §6), whatever the engine. Every method returns a
// Promise: the next engine is PostgreSQL, whose driver is asynchronous (SQLite answers at once inside).

/** `superseded`: an earlier approval of a digest approved again since (SPEC §6: approvals are a history). */
export type ApprovalStatus = 'active' | 'revoked' | 'expired' | 'superseded';

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
  /** The signature record when a `signatures` entry matched (SPEC §5), else null. */
  readonly signature: ApprovalSignature | null;
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
  /** Every approval ever recorded (revoked, expired and superseded ones too), not only the current ones. */
  readonly all: boolean;
  readonly now: number;
}

/** A section of current approvals (the dashboard's Approvals page), bounded. */
export interface FindApprovalsQuery {
  /**
   * active: newest approvals first; expiring: active and expiring by `expiringBefore`, soonest first;
   * expired and revoked: most recently ended first.
   */
  readonly status: 'active' | 'expiring' | 'expired' | 'revoked';
  readonly now: number;
  /** Epoch ms; `expiring` only. */
  readonly expiringBefore: number;
  readonly limit: number;
}

export interface ApprovalsRepository {
  /** Records a new approval (a new current row, also when the digest was approved or revoked before). */
  approve(input: ApproveInput): Promise<ApprovalRecord>;
  /** Revokes the current approval of repository+digest; NotFoundError when there is none unrevoked. */
  revoke(input: RevokeInput): Promise<ApprovalRecord>;
  /** Current active approvals (newest per repository+digest), or with `all` every approval; by repository then approval time. */
  list(options: ListApprovalsOptions): Promise<readonly ApprovalRecord[]>;
  /** Every approval of repository+digest, oldest first (the last is the current one); empty when never approved. */
  history(repository: string, digest: string, now: number): Promise<readonly ApprovalRecord[]>;
  /** The digests of `repository` ever approved under `tag` (as recorded at approval), sorted. */
  digestsTagged(repository: string, tag: string): Promise<readonly string[]>;
  /** At most `limit` current approvals of one status, without reading the others. */
  find(query: FindApprovalsQuery): Promise<readonly ApprovalRecord[]>;
}
