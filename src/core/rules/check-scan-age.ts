import type { Check } from '../types';
import { NO_DIGEST } from './check-approval';
import { described, fail, pass, skip } from './check-result';
import { DAY_MS, daysAgo, formatTime, plural } from './format-time';
import type { ImageContext } from './image-context';

/**
 * `scan-stale`: a scan is dated by when the scanner ran, so an old report imported today is still old (SPEC §4).
 * `scan.maxAgeDays: 0` means no age limit, as `images.maxAgeDays: 0` does.
 */
export function checkScanAge(context: ImageContext): Check {
  const { digest, facts, policy, now } = context;
  const { required, maxAgeDays } = policy.policy.scan;
  if (!required) return skip('scan-age', 'scan.required is false');
  if (digest === null) return skip('scan-age', NO_DIGEST);
  const { scan } = facts;
  if (scan === null) return skip('scan-age', 'no scan');
  if (maxAgeDays === 0) return skip('scan-age', 'scan.maxAgeDays is 0 (no limit)');
  const age = (): string => `scanned at ${formatTime(scan.scannedAt)} (${plural(daysAgo(scan.scannedAt, now), 'day')} ago)`;
  if (now - scan.scannedAt > maxAgeDays * DAY_MS) {
    return fail('scan-age', 'scan-stale', `${age()}, older than ${plural(maxAgeDays, 'day')}`);
  }
  return pass('scan-age', described(context, () => `${age()}, within ${plural(maxAgeDays, 'day')}`));
}
