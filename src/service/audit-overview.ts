import { HOUR_MS, type AuditStats } from '../store/audit-stats';
import type { AuditRepository } from '../store/audit-repository';
import type { TimelineBucket } from '../store/audit-timeline';
import type { TopDeniedImages } from '../store/top-denied-images';

// The dashboard's overview (issue 15): decisions over time, counts per namespace and reason code, the most denied
// images, over the last 24 hours, 7 days or 30 days. Every figure covers whole UTC hours (the current one included),
// so each comes from the hourly rollups without counting decision rows.

export const OVERVIEW_WINDOWS = {
  '24h': { buckets: 24, bucketHours: 1 },
  '7d': { buckets: 28, bucketHours: 6 },
  '30d': { buckets: 30, bucketHours: 24 },
} as const;

export type OverviewWindow = keyof typeof OVERVIEW_WINDOWS;

/** How many of the newest denials the top-images table reads at most (top-denied-images.ts). */
export const TOP_IMAGES_MAX_DECISIONS = 20_000;

export interface AuditOverview {
  readonly window: OverviewWindow;
  /** Epoch ms: the first bucket's start and the last one's end. */
  readonly from: number;
  readonly to: number;
  readonly timeline: readonly TimelineBucket[];
  readonly stats: AuditStats;
  readonly topDenied: TopDeniedImages;
}

export function isOverviewWindow(text: string): text is OverviewWindow {
  return Object.hasOwn(OVERVIEW_WINDOWS, text);
}

export async function auditOverview(audit: AuditRepository, window: OverviewWindow, now: number): Promise<AuditOverview> {
  const { buckets, bucketHours } = OVERVIEW_WINDOWS[window];
  // Buckets are aligned on UTC multiples of their width, the last one holding the current hour.
  const toHour = Math.ceil((Math.floor(now / HOUR_MS) + 1) / bucketHours) * bucketHours;
  const fromHour = toHour - buckets * bucketHours;
  const from = fromHour * HOUR_MS;
  const to = toHour * HOUR_MS;
  const [timeline, stats, topDenied] = await Promise.all([
    audit.timeline({ fromHour, buckets, bucketHours }),
    audit.stats({ since: from }),
    audit.topDeniedImages({ since: from, until: to, limit: 10, maxDecisions: TOP_IMAGES_MAX_DECISIONS }),
  ]);
  return { window, from, to, timeline, stats, topDenied };
}
