import type { Check } from '../types';
import { described, fail, pass, skip } from './check-result';
import { formatTime } from './format-time';
import { signedBy } from './signed-by';
import type { ImageContext } from './image-context';

export const NO_DIGEST = 'no digest to look up';

/** `not-approved`: approvals are per repository + digest, so the same digest elsewhere does not count (SPEC §4). */
export function checkApproval(context: ImageContext): Check {
  const { ref, digest, facts, signature, policy } = context;
  if (digest === null) return skip('approval', NO_DIGEST);
  const { approval } = facts;
  if (approval === null) {
    // `approves: true` (SPEC §5): a trusted signature stands in for `approve`. A revoked or expired approval row is
    // not null, so it still denies below (SPEC §4 Precedence).
    if (signature?.status === 'verified' && policy.matchers.signatureRule(ref.repository)?.rule.approves === true) {
      return pass('approval', described(context, () => `approved by signature: ${signedBy(signature.evidence)}`));
    }
    return fail('approval', 'not-approved', `no approval for ${ref.repository}@${digest}`);
  }
  return pass('approval', described(context, () => `approved by ${approval.approvedBy} at ${formatTime(approval.approvedAt)}`));
}
