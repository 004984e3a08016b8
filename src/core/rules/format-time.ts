export const DAY_MS = 24 * 60 * 60 * 1000;

/** ISO-8601 UTC to the second (`2024-05-01T12:00:00Z`), the form the CLI accepts back. */
export function formatTime(epochMs: number): string {
  if (!Number.isFinite(epochMs)) return 'an unknown time';
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Whole days elapsed, for messages ("120 days ago"). */
export function daysAgo(epochMs: number, now: number): number {
  return Math.floor((now - epochMs) / DAY_MS);
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
