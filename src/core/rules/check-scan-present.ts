import type { Check } from '../types';
import { NO_DIGEST } from './check-approval';
import { described, fail, pass, skip } from './check-result';
import { formatTime } from './format-time';
import type { ImageContext } from './image-context';

/** `scan-missing`: with `scan.required`, a digest nobody has scanned is denied (SPEC §4). */
export function checkScanPresent(context: ImageContext): Check {
  const { digest, facts, policy } = context;
  if (!policy.policy.scan.required) return skip('scan', 'scan.required is false');
  if (digest === null) return skip('scan', NO_DIGEST);
  const { scan } = facts;
  if (scan === null) return fail('scan', 'scan-missing', `no scan of ${digest}`);
  return pass('scan', described(context, () => `${scan.scanner} scan of ${formatTime(scan.scannedAt)}`));
}
