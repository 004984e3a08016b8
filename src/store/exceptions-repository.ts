import type { CveException } from '../core/types';

// CVE exceptions as the service layer sees them, whatever the engine (async: see approvals-repository.ts).

export type ExceptionStatus = 'active' | 'expired' | 'removed';

export interface ExceptionRecord extends CveException {
  readonly createdBy: string;
  readonly createdAt: number;
  readonly removedAt: number | null;
  readonly removedBy: string | null;
  readonly status: ExceptionStatus;
}

export interface AddExceptionInput {
  readonly vulnerabilityId: string;
  /** Glob on the normalised repository; null = every repository. */
  readonly repository: string | null;
  readonly expiresAt: number;
  readonly reason: string;
  readonly by: string;
  readonly now: number;
}

export interface RemoveExceptionInput {
  readonly id: number;
  /** Why it is removed; recorded in the change log. */
  readonly reason: string | null;
  readonly by: string;
  readonly now: number;
}

export interface ListExceptionsOptions {
  /** Include expired and removed exceptions. */
  readonly all: boolean;
  readonly now: number;
}

export interface ExceptionsRepository {
  add(input: AddExceptionInput): Promise<ExceptionRecord>;
  /** NotFoundError when there is no such exception not yet removed. */
  remove(input: RemoveExceptionInput): Promise<ExceptionRecord>;
  list(options: ListExceptionsOptions): Promise<readonly ExceptionRecord[]>;
}
