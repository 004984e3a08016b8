import type { BreakGlassGrant } from '../core/types';

// Break-glass grants as the service layer sees them, whatever the engine (async: see approvals-repository.ts).

export type GrantStatus = 'active' | 'expired' | 'revoked';

export interface GrantRecord extends BreakGlassGrant {
  readonly grantedBy: string;
  readonly grantedAt: number;
  readonly reason: string | null;
  readonly revokedBy: string | null;
  readonly status: GrantStatus;
}

export interface GrantInput {
  /** Glob on the namespace name. */
  readonly namespace: string;
  readonly ticket: string;
  readonly expiresAt: number;
  readonly reason: string | null;
  readonly by: string;
  readonly now: number;
}

export interface RevokeGrantInput {
  readonly id: number;
  readonly by: string;
  readonly now: number;
}

export interface ListGrantsOptions {
  /** Include expired and revoked grants. */
  readonly all: boolean;
  readonly now: number;
}

export interface GrantsRepository {
  grant(input: GrantInput): Promise<GrantRecord>;
  /** NotFoundError when there is no such grant not yet revoked. */
  revoke(input: RevokeGrantInput): Promise<GrantRecord>;
  list(options: ListGrantsOptions): Promise<readonly GrantRecord[]>;
}
