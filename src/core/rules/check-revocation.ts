import type { Check } from '../types';
import { NO_DIGEST } from './check-approval';
import { fail, pass, skip } from './check-result';
import { formatTime } from './format-time';
import type { ImageContext } from './image-context';

/** `revoked`: approvals are never deleted, only marked revoked (SPEC §6), so a revoked row still denies. */
export function checkRevocation({ digest, facts }: ImageContext): Check {
  if (digest === null) return skip('revocation', NO_DIGEST);
  const { approval } = facts;
  if (approval === null) return skip('revocation', 'no approval');
  if (approval.revokedAt === null) return pass('revocation', 'not revoked');
  const by = approval.revokedBy === null ? '' : ` by ${approval.revokedBy}`;
  const why = approval.revokeReason === null ? '' : `: ${approval.revokeReason}`;
  return fail('revocation', 'revoked', `revoked${by} at ${formatTime(approval.revokedAt)}${why}`);
}
