import type { Check } from '../types';
import { NO_DIGEST } from './check-approval';
import { described, fail, pass, skip } from './check-result';
import { formatTime } from './format-time';
import type { ImageContext } from './image-context';

/** `approval-expired`: an approval given `--expires` stops counting at that instant. */
export function checkApprovalExpiry(context: ImageContext): Check {
  const { digest, facts, now } = context;
  if (digest === null) return skip('approval-expiry', NO_DIGEST);
  const { approval } = facts;
  if (approval === null) return skip('approval-expiry', 'no approval');
  const { expiresAt } = approval;
  if (expiresAt === null) return pass('approval-expiry', 'the approval does not expire');
  if (expiresAt <= now) {
    return fail('approval-expiry', 'approval-expired', `the approval expired at ${formatTime(expiresAt)}`);
  }
  return pass('approval-expiry', described(context, () => `the approval expires at ${formatTime(expiresAt)}`));
}
