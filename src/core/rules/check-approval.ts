import type { Check } from '../types';
import { fail, pass, skip } from './check-result';
import { formatTime } from './format-time';
import type { ImageContext } from './image-context';

export const NO_DIGEST = 'no digest to look up';

/** `not-approved`: approvals are per repository + digest, so the same digest elsewhere does not count (SPEC §4). */
export function checkApproval({ ref, digest, facts }: ImageContext): Check {
  if (digest === null) return skip('approval', NO_DIGEST);
  const { approval } = facts;
  if (approval === null) return fail('approval', 'not-approved', `no approval for ${ref.repository}@${digest}`);
  return pass('approval', `approved by ${approval.approvedBy} at ${formatTime(approval.approvedAt)}`);
}
