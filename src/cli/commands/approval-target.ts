import type Database from 'better-sqlite3';
import { parseImageRef } from '../../core/image-ref';
import type { ApprovalSignature, CompiledPolicy, ImageRef } from '../../core/types';
import { RegistryError, UsageError } from '../../errors';
import type { RegistryLookup, ResolvedImage } from '../../registry/types';
import { approvalSignature } from '../../signatures/approval-signature';
import { type ApprovalRecord, approve } from '../../store/approvals-repo';
import type { RegistryService } from '../registry-provider';
import { isoTime } from '../output';

// What `approve REF` and `approve --file` share: the registry's say on one reference (SPEC §7), and the
// approval stored from it.

/** What is approved for one REF, after the registry (or `--offline`) has had its say. */
export interface ApprovalTarget {
  readonly repository: string;
  readonly digest: string;
  readonly tag: string | null;
  /** The registry's answer, or null with `--offline`. */
  readonly resolved: ResolvedImage | null;
  /** The signature record when a `signatures` entry matches (SPEC §5), else null. */
  readonly signature: ApprovalSignature | null;
}

export interface ApproveSettings {
  readonly by: string;
  readonly reason: string | null;
  readonly expiresAt: number | null;
  /** Null with `--offline`: the reference must then carry its digest. */
  readonly registry: RegistryService | null;
  /** The policy whose `signatures` entries apply. */
  readonly policy: CompiledPolicy;
  /** `--allow-unsigned`: approve although the signatures do not verify, recorded. */
  readonly allowUnsigned: boolean;
}

export function requireRef(text: string): ImageRef {
  const parsed = parseImageRef(text);
  if (!parsed.ok) throw new UsageError(`invalid image reference ${JSON.stringify(text)}: ${parsed.error}`);
  return parsed.ref;
}

/**
 * The digest to approve: from the REF with `--offline`, else as the registry answers for it; with its signatures
 * verified when a `signatures` entry matches (refused when they do not verify, unless `--allow-unsigned`).
 */
export async function resolveTarget(ref: ImageRef, settings: ApproveSettings, now: () => number): Promise<ApprovalTarget> {
  const target = await resolveDigest(ref, settings.registry);
  const signature = await approvalSignature(settings.registry, ref, target.digest, settings.policy, settings, now);
  return { ...target, signature };
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

export function storeApproval(db: Database.Database, target: ApprovalTarget, settings: ApproveSettings, now: number): ApprovalRecord {
  return approve(db, {
    repository: target.repository,
    digest: target.digest,
    tag: target.tag,
    by: settings.by,
    reason: settings.reason,
    expiresAt: settings.expiresAt,
    imageCreatedAt: target.resolved?.createdAt ?? null,
    signature: target.signature,
    now,
  });
}

/**
 * `approved docker.io/library/nginx@sha256:… (tag 1.25, expires 2026-12-01T00:00:00.000Z, platforms linux/amd64, …)`.
 * The platforms are named because approving an index digest lets a pod that names it run on each platform it lists.
 */
export function describeApproval(approval: ApprovalRecord, resolved: ResolvedImage | null): string {
  const parts = [
    approval.tag === null ? null : `tag ${approval.tag}`,
    approval.expiresAt === null ? 'no expiry' : `expires ${isoTime(approval.expiresAt)}`,
    approval.imageCreatedAt === null ? null : `built ${isoTime(approval.imageCreatedAt)}`,
    resolved === null || resolved.platforms.length === 0 ? null : `platforms ${resolved.platforms.join(', ')}`,
  ].filter((p): p is string => p !== null);
  return `approved ${approval.repository}@${approval.digest} (${parts.join(', ')})${describeSignature(approval.signature)}`;
}

/** A second line naming who signed, or the override, when a `signatures` entry matched. */
function describeSignature(signature: ApprovalSignature | null): string {
  if (signature === null) return '';
  if (signature.kind === 'unsigned-allowed') return `\n  unsigned, allowed by ${signature.by} (--allow-unsigned)`;
  const { signers, verifiedAt } = signature.evidence;
  return `\n  signed by ${signers.join(', ')} at ${isoTime(verifiedAt)}`;
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
