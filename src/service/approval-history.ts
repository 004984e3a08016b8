import type { ImageRef } from '../core/types';
import { NotFoundError } from '../errors';
import type { ApprovalRecord } from '../store/approvals-repository';
import type { Store } from '../store/store';

// `approvals history REF` (SPEC §6, §7): every approve and revoke of a digest, oldest first, with who, when and why.
// Approvals are never rewritten, so each approval row is one approve event and, when revoked, one revoke event.

export interface ApprovalEvent {
  readonly approvalId: number;
  readonly repository: string;
  readonly digest: string;
  readonly action: 'approve' | 'revoke';
  readonly time: number;
  readonly by: string;
  readonly reason: string | null;
  /** The tag recorded with the approval. */
  readonly tag: string | null;
  /** The approval's expiry; null for a revoke event and for an approval that never expires. */
  readonly expiresAt: number | null;
}

/**
 * The history of the digest a reference names, or of every digest recorded under its tag when it names none (what
 * was recorded, not what the registry serves now). NotFoundError when nothing was ever approved.
 */
export async function approvalHistory(store: Pick<Store, 'approvals'>, ref: ImageRef, now: number): Promise<readonly ApprovalEvent[]> {
  const digests = ref.digest !== null ? [ref.digest] : await store.approvals.digestsTagged(ref.repository, ref.tag ?? 'latest');
  const records: ApprovalRecord[] = [];
  for (const digest of digests) records.push(...(await store.approvals.history(ref.repository, digest, now)));
  if (records.length === 0) throw new NotFoundError(`no approval of ${ref.original} was ever recorded`);
  return records.flatMap(events).sort((a, b) => a.time - b.time || a.approvalId - b.approvalId || (a.action === 'approve' ? -1 : 1));
}

function events(a: ApprovalRecord): ApprovalEvent[] {
  const common = { approvalId: a.id, repository: a.repository, digest: a.digest, tag: a.tag };
  const approved: ApprovalEvent = { ...common, action: 'approve', time: a.approvedAt, by: a.approvedBy, reason: a.reason, expiresAt: a.expiresAt };
  if (a.revokedAt === null) return [approved];
  return [approved, { ...common, action: 'revoke', time: a.revokedAt, by: a.revokedBy ?? 'unknown', reason: a.revokeReason, expiresAt: null }];
}
