export const DAY_MS = 24 * 60 * 60 * 1000;

/** ISO-8601 UTC to the second (`2024-05-01T12:00:00Z`), the form the CLI accepts back. */
export function formatTime(epochMs: number): string {
  if (!Number.isFinite(epochMs)) return 'an unknown time';
  // toISOString always ends in `.sssZ`; slicing it off is what a regex replace did, at a fraction of the cost
  // (three of these run for every approved image of every review: cpu profile, bench/RESULTS.md).
  return `${new Date(epochMs).toISOString().slice(0, -5)}Z`;
}

/** Whole days elapsed, for messages ("120 days ago"). */
export function daysAgo(epochMs: number, now: number): number {
  return Math.floor((now - epochMs) / DAY_MS);
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
