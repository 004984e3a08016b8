import type { Approval, CompiledPolicy } from './types';

/**
 * Whether the reviewer must verify a digest's signatures itself (SPEC §4 `signature-missing`, §5 `approves: true`):
 * only for an `approves: true` entry, and only when the approval does not already carry evidence or an operator's
 * override. A revoked or expired approval denies whatever the signature says (SPEC §4 Precedence), so the registry is
 * not asked then.
 */
export function needsSignatureCheck(repository: string, approval: Approval | null, policy: CompiledPolicy, now: number): boolean {
  if (policy.matchers.signatureRule(repository)?.rule.approves !== true) return false;
  if (approval === null) return true;
  if (approval.revokedAt !== null || (approval.expiresAt !== null && approval.expiresAt <= now)) return false;
  return approval.signature === null;
}
