import type { ImageRef } from '../core/types';
import type { RegistryLookup } from '../registry/types';
import type { ApprovalRecord } from '../store/approvals-repository';
import type { Store } from '../store/store';

// Revoking one reference (SPEC §7 `revoke`).

/** How far back a revocation looks in the audit trail for namespaces running the digest. */
export const RECENT_ADMISSIONS_MS = 24 * 3_600_000;

export interface RevokeImageInput {
  readonly repository: string;
  readonly digest: string;
  readonly by: string;
  readonly reason: string | null;
  readonly now: number;
}

export interface Revocation {
  readonly record: ApprovalRecord;
  /**
   * Namespaces where a pod with the digest was admitted in the last RECENT_ADMISSIONS_MS: the API server
   * reviews pod updates too (SPEC §2), so those pods' metadata updates are denied from now on.
   */
  readonly admittedIn: readonly string[];
}

/**
 * The digest a reference names: as written, without asking the registry when it has one (an image deleted from
 * the registry can still be revoked), else the tag's current digest.
 */
export async function revocationDigest(ref: ImageRef, registry: () => Promise<RegistryLookup>): Promise<string> {
  if (ref.digest !== null) return ref.digest;
  // Only the digest is needed: a HEAD request, which Docker Hub does not count as a pull.
  return (await (await registry()).resolve(ref, { digestOnly: true })).digest;
}

export async function revokeImage(store: Pick<Store, 'approvals' | 'audit'>, input: RevokeImageInput): Promise<Revocation> {
  const record = await store.approvals.revoke(input);
  const admittedIn = await store.audit.admittedNamespaces(record.repository, record.digest, input.now - RECENT_ADMISSIONS_MS);
  return { record, admittedIn };
}
