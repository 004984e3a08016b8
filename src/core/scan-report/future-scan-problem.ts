import { formatTime } from '../rules/format-time';

/** How far ahead of this machine's clock a scanner's clock may be: NTP-synchronised clocks agree far better. */
export const MAX_SCAN_CLOCK_AHEAD_MS = 5 * 60_000;

/**
 * Why a report dated in the future is refused at import, or null. The newest scan of a digest is chosen by its
 * date (SPEC §4 `scan-stale`), so a report dated 2099 would be "the newest" for ever, hiding every real scan after
 * it, and would never grow stale. Nothing is stored for a refused report.
 */
export function futureScanProblem(scannedAt: number | null, now: number): string | null {
  if (scannedAt === null || scannedAt - now <= MAX_SCAN_CLOCK_AHEAD_MS) return null;
  return (
    `the report is dated ${formatTime(scannedAt)}, more than ${MAX_SCAN_CLOCK_AHEAD_MS / 60_000} minutes ahead of ` +
    `this machine's clock (${formatTime(now)}): refused, since a scan from the future would stay the newest for ever; ` +
    "check the scanner's clock"
  );
}
