import type { ImageRef } from '../core/types';
import { NotFoundError, UsageError, errorMessage } from '../errors';
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

/** The digest a tag points to now, or why the registry could not say (SPEC §7: revoking by tag goes on without it). */
export async function currentTagDigest(
  ref: ImageRef,
  registry: () => Promise<RegistryLookup>,
): Promise<{ readonly digest: string } | { readonly error: string }> {
  try {
    return { digest: await revocationDigest(ref, registry) };
  } catch (err) {
    // A usage error (a bad registry flag) is the operator's to fix before anything is revoked.
    if (err instanceof UsageError) throw err;
    return { error: errorMessage(err) };
  }
}

export interface RevokeTagInput {
  readonly repository: string;
  readonly tag: string;
  /** The digest the tag points to now, or null when the registry did not answer. */
  readonly current: string | null;
  readonly by: string;
  readonly reason: string | null;
  readonly now: number;
}

/** One digest a tag revocation concerned. */
export interface TagRevocation {
  readonly digest: string;
  /** Approved under the tag (as recorded at approval). */
  readonly recorded: boolean;
  /** The digest the tag points to now. */
  readonly current: boolean;
  /** The revoked approval, or null when the digest had no unrevoked approval. */
  readonly record: ApprovalRecord | null;
}

export interface TagRevocations {
  readonly revocations: readonly TagRevocation[];
  /** As Revocation.admittedIn, over every revoked digest. */
  readonly admittedIn: readonly string[];
}

/**
 * `revoke REPO:TAG` (SPEC §7): every digest approved under the tag and the digest it points to now, since a tag moves
 * and the digest a pod names may be either. NotFoundError when none of them has an unrevoked approval.
 */
export async function revokeTag(store: Pick<Store, 'approvals' | 'audit'>, input: RevokeTagInput): Promise<TagRevocations> {
  const recorded = await store.approvals.digestsTagged(input.repository, input.tag);
  const digests = [...new Set([...recorded, ...(input.current === null ? [] : [input.current])])].sort();
  const revocations: TagRevocation[] = [];
  const admittedIn = new Set<string>();
  for (const digest of digests) {
    const current = (await store.approvals.history(input.repository, digest, input.now)).at(-1);
    const unrevoked = current !== undefined && current.revokedAt === null;
    const revoked = unrevoked ? await revokeImage(store, { repository: input.repository, digest, by: input.by, reason: input.reason, now: input.now }) : null;
    revoked?.admittedIn.forEach((ns) => admittedIn.add(ns));
    revocations.push({ digest, recorded: recorded.includes(digest), current: digest === input.current, record: revoked?.record ?? null });
  }
  if (revocations.every((r) => r.record === null)) {
    const now = input.current === null ? '' : `, nor for the digest it points to now (${input.current})`;
    throw new NotFoundError(`no unrevoked approval of ${input.repository}:${input.tag} to revoke (none recorded under the tag${now})`);
  }
  return { revocations, admittedIn: [...admittedIn].sort() };
}

export async function revokeImage(store: Pick<Store, 'approvals' | 'audit'>, input: RevokeImageInput): Promise<Revocation> {
  const record = await store.approvals.revoke(input);
  const admittedIn = await store.audit.admittedNamespaces(record.repository, record.digest, input.now - RECENT_ADMISSIONS_MS);
  return { record, admittedIn };
}
