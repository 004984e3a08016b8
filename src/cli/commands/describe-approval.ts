import type { ApprovalSignature } from '../../core/types';
import type { ResolvedImage } from '../../registry/types';
import { approvalChanges } from '../../service/approval-changes';
import type { ApprovalOutcome } from '../../service/approve-image';
import { isoTime } from '../output';

/**
 * `approved docker.io/library/nginx@sha256:… (tag 1.25, expires 2026-12-01T00:00:00.000Z, platforms linux/amd64, …)`,
 * as `approve REF` and `approve --file` print it. The platforms are named because approving an index digest lets
 * a pod that names it run on each platform it lists. A re-approval says, on a line of its own, what it changes.
 */
export function describeApproval({ record: approval, ...outcome }: ApprovalOutcome, resolved: ResolvedImage | null): string {
  const parts = [
    approval.tag === null ? null : `tag ${approval.tag}`,
    approval.expiresAt === null ? 'no expiry' : `expires ${isoTime(approval.expiresAt)}`,
    approval.imageCreatedAt === null ? null : `built ${isoTime(approval.imageCreatedAt)}`,
    resolved === null || resolved.platforms.length === 0 ? null : `platforms ${resolved.platforms.join(', ')}`,
  ].filter((p): p is string => p !== null);
  const changes = approvalChanges({ record: approval, ...outcome });
  const reapproved = changes.length === 0 ? '' : `\n  re-approved: ${changes.join('; ')}`;
  return `approved ${approval.repository}@${approval.digest} (${parts.join(', ')})${describeSignature(approval.signature)}${reapproved}`;
}

/** A second line naming who signed, or the override, when a `signatures` entry matched. */
function describeSignature(signature: ApprovalSignature | null): string {
  if (signature === null) return '';
  if (signature.kind === 'unsigned-allowed') return `\n  unsigned, allowed by ${signature.by} (--allow-unsigned)`;
  const { signers, verifiedAt } = signature.evidence;
  return `\n  signed by ${signers.join(', ')} at ${isoTime(verifiedAt)}`;
}
