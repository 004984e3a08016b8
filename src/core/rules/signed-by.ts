import type { SignatureEvidence } from '../types';
import { formatTime } from './format-time';

/** `signed by release.pub, ci.pub at 2025-06-01T00:00:00Z`: who signed, as `explain` and reasons name it. */
export function signedBy(evidence: SignatureEvidence): string {
  return `signed by ${evidence.signers.join(', ')} at ${formatTime(evidence.verifiedAt)}`;
}
