import type { ApprovalOutcome } from './approve-image';

// What re-approving a digest changes (issue 10 item 5): the approval before it stays in the history, and the operator
// is told what the new one changes — the state it ends (revoked, expired), the expiry, the tag, the reason — so that
// an expiry silently becoming "never" or a tag vanishing is seen when it happens.

/** One phrase per change, in a fixed order; empty for a first approval. */
export function approvalChanges({ record, previous, tagKept }: ApprovalOutcome): readonly string[] {
  if (previous === null) return [];
  const changes: string[] = [];
  if (previous.status === 'revoked') {
    const why = previous.revokeReason === null ? '' : `: ${previous.revokeReason}`;
    changes.push(`was revoked by ${previous.revokedBy ?? 'unknown'} at ${iso(previous.revokedAt)}${why}`);
  } else if (previous.status === 'expired') {
    changes.push(`had expired at ${iso(previous.expiresAt)}`);
  } else {
    changes.push(`replaces the approval by ${previous.approvedBy} at ${iso(previous.approvedAt)}`);
  }
  if (previous.expiresAt !== record.expiresAt) changes.push(`expiry ${iso(previous.expiresAt)} → ${iso(record.expiresAt)}`);
  if (tagKept) changes.push(`tag ${record.tag ?? 'none'} kept from the earlier approval`);
  else if (previous.tag !== record.tag) changes.push(`tag ${previous.tag ?? 'none'} → ${record.tag ?? 'none'}`);
  if (previous.reason !== record.reason) changes.push(`reason ${quoted(previous.reason)} → ${quoted(record.reason)}`);
  return changes;
}

function iso(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toISOString();
}

function quoted(text: string | null): string {
  return text === null ? 'none' : JSON.stringify(text);
}
