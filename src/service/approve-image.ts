import type { ImageRef } from '../core/types';
import { RegistryError, UsageError } from '../errors';
import type { RegistryLookup, ResolvedImage } from '../registry/types';
import type { ApprovalRecord, ApprovalsRepository } from '../store/approvals-repository';

// Approving one reference (SPEC §7 `approve`): the registry's say on it, then the approval stored from it.

/** What is approved for one reference, after the registry (or `--offline`) has had its say. */
export interface ApprovalTarget {
  readonly repository: string;
  readonly digest: string;
  readonly tag: string | null;
  /** The registry's answer, or null offline. */
  readonly resolved: ResolvedImage | null;
}

export interface ApproveSettings {
  readonly by: string;
  readonly reason: string | null;
  readonly expiresAt: number | null;
  /** Null offline: the reference must then carry its digest. */
  readonly registry: RegistryLookup | null;
}

/** The digest to approve: from the reference offline, else as the registry answers for it. */
export async function resolveApprovalTarget(ref: ImageRef, registry: RegistryLookup | null): Promise<ApprovalTarget> {
  if (registry === null) {
    if (ref.digest === null) {
      throw new UsageError(`cannot approve ${ref.original}: --offline needs a digest reference (repo@sha256:…)`);
    }
    return { repository: ref.repository, digest: ref.digest, tag: ref.tag, resolved: null };
  }
  // A full look-up, not digest-only: the build time is read from the image config (images.maxAgeDays).
  const resolved = await registry.resolve(ref);
  // For `name:tag@digest` the digest is what counts (SPEC §3): the registry must serve exactly that one.
  if (ref.digest !== null && resolved.digest !== ref.digest) {
    throw new RegistryError(`${ref.original}: the registry serves ${resolved.digest}, not ${ref.digest}`);
  }
  return { repository: ref.repository, digest: resolved.digest, tag: ref.tag ?? resolved.tag, resolved };
}

export function approveImage(
  approvals: ApprovalsRepository,
  target: ApprovalTarget,
  settings: ApproveSettings,
  now: number,
): Promise<ApprovalRecord> {
  return approvals.approve({
    repository: target.repository,
    digest: target.digest,
    tag: target.tag,
    by: settings.by,
    reason: settings.reason,
    expiresAt: settings.expiresAt,
    imageCreatedAt: target.resolved?.createdAt ?? null,
    now,
  });
}
