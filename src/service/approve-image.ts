import type { ApprovalSignature, CompiledPolicy, ImageRef } from '../core/types';
import { RegistryError, UsageError } from '../errors';
import type { RegistryLookup, ResolvedImage, SignatureLookup } from '../registry/types';
import { approvalSignature } from '../signatures/approval-signature';
import type { ApprovalRecord, ApprovalsRepository } from '../store/approvals-repository';

// Approving one reference (SPEC §7 `approve`): the registry's say on it, then the approval stored from it.

/** What is approved for one reference, after the registry (or `--offline`) has had its say. */
export interface ApprovalTarget {
  readonly repository: string;
  readonly digest: string;
  readonly tag: string | null;
  /** The registry's answer, or null offline. */
  readonly resolved: ResolvedImage | null;
  /** The signature record when a `signatures` entry matches (SPEC §5), else null. */
  readonly signature: ApprovalSignature | null;
}

export interface ApproveSettings {
  readonly by: string;
  readonly reason: string | null;
  readonly expiresAt: number | null;
  /** Null offline: the reference must then carry its digest. */
  readonly registry: (RegistryLookup & SignatureLookup) | null;
  /** The policy whose `signatures` entries apply. */
  readonly policy: CompiledPolicy;
  /** `--allow-unsigned`: approve although the signatures do not verify, recorded. */
  readonly allowUnsigned: boolean;
}

/**
 * The digest to approve: from the reference offline, else as the registry answers for it; with its signatures
 * verified when a `signatures` entry matches (refused when they do not verify, unless `--allow-unsigned`).
 */
export async function resolveApprovalTarget(ref: ImageRef, settings: ApproveSettings, now: () => number): Promise<ApprovalTarget> {
  const target = await resolveDigest(ref, settings.registry);
  const signature = await approvalSignature(settings.registry, ref, target.digest, settings.policy, settings, now);
  return { ...target, signature };
}

/**
 * Why an `--offline` approval in a repository with a `signatures` entry will not admit anything: nothing could be
 * verified, so reviews deny it `signature-missing` (unless an `approves: true` entry verifies it then). Null otherwise.
 */
export function offlineSignatureWarning(target: ApprovalTarget, settings: ApproveSettings): string | null {
  if (settings.registry !== null || target.signature !== null) return null;
  if (settings.policy.matchers.signatureRule(target.repository) === null) return null;
  return `warning: ${target.repository} needs signatures, which --offline cannot verify: reviews deny it (signature-missing) unless it is approved again with the registry`;
}

async function resolveDigest(ref: ImageRef, registry: RegistryLookup | null): Promise<Omit<ApprovalTarget, 'signature'>> {
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

/** An approval as stored, with the approval of the same digest it follows (SPEC §6: approvals are a history). */
export interface ApprovalOutcome {
  readonly record: ApprovalRecord;
  /** The digest's approval before this one (active, revoked or expired), or null for a first approval. */
  readonly previous: ApprovalRecord | null;
  /** The tag was not given nor resolved now, and is the one the previous approval recorded. */
  readonly tagKept: boolean;
}

export async function approveImage(
  approvals: ApprovalsRepository,
  target: ApprovalTarget,
  settings: ApproveSettings,
  now: number,
): Promise<ApprovalOutcome> {
  const previous = (await approvals.history(target.repository, target.digest, now)).at(-1) ?? null;
  // A digest's content never changes, so the version an earlier approval recorded for it still names it: re-approving
  // by digest alone keeps that tag, or version floors would stop judging the digest (SPEC §4, issue 10 item 5).
  const tagKept = target.tag === null && previous !== null && previous.tag !== null;
  const record = await approvals.approve({
    repository: target.repository,
    digest: target.digest,
    tag: target.tag ?? previous?.tag ?? null,
    by: settings.by,
    reason: settings.reason,
    expiresAt: settings.expiresAt,
    imageCreatedAt: target.resolved?.createdAt ?? null,
    signature: target.signature,
    now,
  });
  return { record, previous, tagKept };
}
