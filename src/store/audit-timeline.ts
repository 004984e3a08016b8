import type Database from 'better-sqlite3';
import { HOUR_MS } from './audit-stats';

// Decisions over time for the dashboard's chart (issue 15), read from the hourly rollups `decision_counts`
// (migration 0002) only: a 30-day chart sums about 720 hours × a few hundred groups instead of counting millions of
// decision rows, so it costs the same on a 10,000,000-decision store as on an empty one (SPEC §11: < 200 ms).

export interface TimelineRange {
  /** The first bucket starts at this hour (epoch ms / HOUR_MS). */
  readonly fromHour: number;
  readonly buckets: number;
  readonly bucketHours: number;
}

/** The decisions of one bucket, each counted once: allowed (by the checks), denied, or allowed by break-glass. */
export interface TimelineBucket {
  /** Epoch ms of the bucket's start. */
  readonly start: number;
  readonly allowed: number;
  readonly denied: number;
  readonly breakGlass: number;
}

/** Decisions counted per hour and (allowed, break_glass), as both engines read `decision_counts`. */
export interface TimelineCountRow {
  readonly hour: number;
  readonly allowed: number;
  readonly break_glass: number;
  readonly n: number;
}

export function auditTimeline(db: Database.Database, range: TimelineRange): readonly TimelineBucket[] {
  const toHour = range.fromHour + range.buckets * range.bucketHours;
  const rows = db
    .prepare<[number, number], TimelineCountRow>(
      `SELECT hour, allowed, break_glass, sum(n) AS n FROM decision_counts WHERE hour >= ? AND hour < ?
       GROUP BY hour, allowed, break_glass`,
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
    breakGlass: 0,
  }));
  for (const row of rows) {
    const bucket = buckets[Math.floor((row.hour - range.fromHour) / range.bucketHours)];
    if (bucket === undefined) continue;
    if (row.allowed === 0) bucket.denied += row.n;
    else if (row.break_glass === 1) bucket.breakGlass += row.n;
    else bucket.allowed += row.n;
  }
  return buckets;
}
