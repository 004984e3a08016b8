import type Database from 'better-sqlite3';
import { HOUR_MS } from './audit-stats';

// Decisions over time for the dashboard's chart (issue 15), read from the hourly rollup `decision_outcomes`
// (migration 0009) only: a 30-day chart sums 720 hours × 4 outcomes instead of counting millions of decision rows, so
// it costs the same on a 10,000,000-decision store as on an empty one (SPEC §11: < 200 ms).

export interface TimelineRange {
  /** The first bucket starts at this hour (epoch ms / HOUR_MS). */
  readonly fromHour: number;
  readonly buckets: number;
  readonly bucketHours: number;
}

/**
 * The decisions of one bucket, each counted once: allowed (by the checks), denied, allowed by a dry-run namespace
 * that enforce mode would have denied, or allowed by break-glass.
 */
export interface TimelineBucket {
  /** Epoch ms of the bucket's start. */
  readonly start: number;
  readonly allowed: number;
  readonly denied: number;
  readonly wouldDeny: number;
  readonly breakGlass: number;
}

/** The outcomes `decision_outcomes` counts (its CHECK constraint), with the bucket field each adds to. */
const OUTCOME_FIELDS = {
  allowed: 'allowed',
  denied: 'denied',
  'would-deny': 'wouldDeny',
  'break-glass': 'breakGlass',
} as const;

/** Decisions counted per hour and outcome, as both engines read `decision_outcomes`. */
export interface TimelineCountRow {
  readonly hour: number;
  readonly outcome: string;
  readonly n: number;
}

export function auditTimeline(db: Database.Database, range: TimelineRange): readonly TimelineBucket[] {
  const toHour = range.fromHour + range.buckets * range.bucketHours;
  const rows = db
    .prepare<[number, number], TimelineCountRow>(
      'SELECT hour, outcome, n FROM decision_outcomes WHERE hour >= ? AND hour < ? AND n > 0',
    )
    .all(range.fromHour, toHour);
  return bucketTimeline(range, rows);
}

/** The range's buckets filled from the hourly counts. */
export function bucketTimeline(range: TimelineRange, rows: readonly TimelineCountRow[]): readonly TimelineBucket[] {
  const buckets = Array.from({ length: range.buckets }, (_, i) => ({
    start: (range.fromHour + i * range.bucketHours) * HOUR_MS,
    allowed: 0,
    denied: 0,
    wouldDeny: 0,
    breakGlass: 0,
  }));
  for (const row of rows) {
    const bucket = buckets[Math.floor((row.hour - range.fromHour) / range.bucketHours)];
    if (bucket === undefined || !isOutcome(row.outcome)) continue;
    bucket[OUTCOME_FIELDS[row.outcome]] += row.n;
  }
  return buckets;
}

function isOutcome(text: string): text is keyof typeof OUTCOME_FIELDS {
  return Object.hasOwn(OUTCOME_FIELDS, text);
}
