import type { Check } from '../types';
import { NO_DIGEST } from './check-approval';
import { fail, pass, skip } from './check-result';
import { formatTime } from './format-time';
import type { ImageContext } from './image-context';

/** `approval-expired`: an approval given `--expires` stops counting at that instant. */
export function checkApprovalExpiry({ digest, facts, now }: ImageContext): Check {
  if (digest === null) return skip('approval-expiry', NO_DIGEST);
  const { approval } = facts;
  if (approval === null) return skip('approval-expiry', 'no approval');
  if (approval.expiresAt === null) return pass('approval-expiry', 'the approval does not expire');
  if (approval.expiresAt <= now) {
    return fail('approval-expiry', 'approval-expired', `the approval expired at ${formatTime(approval.expiresAt)}`);
  }
  return pass('approval-expiry', `the approval expires at ${formatTime(approval.expiresAt)}`);
}
