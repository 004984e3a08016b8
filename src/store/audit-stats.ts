import type Database from 'better-sqlite3';

// `audit stats` (SPEC §7): counts by decision, mode, namespace, reason code and break-glass. The counts come
// from `decision_counts` (migration 0002: per hour and group, kept by triggers) for the whole hours of the
// window, and from the decisions themselves only for the partial hours at its ends: grouping
// every decision of a day through a sort took 0.7 s at 10,000,000 decisions (bench/RESULTS.md), SPEC §11
// wants under 100 ms. The few groups are summed here rather than one pass per dimension.

/** The width of a `decision_counts` bucket: `hour` = time / HOUR_MS (migrations/0002_audit_rollups.sql). */
export const HOUR_MS = 3600 * 1000;

/** Which decisions `audit stats` counts: a time window (epoch ms, both ends included) and a namespace; all when unset. */
export interface StatsFilter {
  readonly since?: number;
  readonly until?: number;
  readonly namespace?: string;
}

export interface AuditStats {
  readonly since: number | null;
  readonly until: number | null;
  readonly namespace: string | null;
  readonly total: number;
  readonly allowed: number;
  readonly denied: number;
  readonly breakGlass: number;
  readonly byMode: readonly { readonly mode: string; readonly count: number }[];
  readonly byNamespace: readonly { readonly namespace: string; readonly allowed: number; readonly denied: number }[];
  /** Decisions with at least one image reported with this code, most frequent first. */
  readonly byReason: readonly { readonly reason: string; readonly count: number }[];
}

interface GroupRow {
  readonly namespace: string;
  readonly mode: string;
  readonly allowed: number;
  readonly break_glass: number;
  readonly n: number;
}

/** Named parameters of the queries below: an unset end of the window is the lowest or highest possible time. */
interface Bounds {
  readonly since: number;
  readonly until: number;
  readonly namespace: string | null;
}

export function auditStats(db: Database.Database, filter: StatsFilter = {}): AuditStats {
  const bounds: Bounds = {
    since: filter.since ?? Number.MIN_SAFE_INTEGER,
    until: filter.until ?? Number.MAX_SAFE_INTEGER,
    namespace: filter.namespace ?? null,
  };
  const groups = countGroups(db, bounds);
  const modes = new Map<string, number>();
  const namespaces = new Map<string, { allowed: number; denied: number }>();
  let allowed = 0;
  let breakGlass = 0;
  for (const g of groups) {
    if (g.allowed === 1) allowed += g.n;
    if (g.break_glass === 1) breakGlass += g.n;
    modes.set(g.mode, (modes.get(g.mode) ?? 0) + g.n);
    const ns = namespaces.get(g.namespace) ?? { allowed: 0, denied: 0 };
    if (g.allowed === 1) ns.allowed += g.n;
    else ns.denied += g.n;
    namespaces.set(g.namespace, ns);
  }
  const total = groups.reduce((sum, g) => sum + g.n, 0);
  return {
    since: filter.since ?? null,
    until: filter.until ?? null,
    namespace: bounds.namespace,
    total,
    allowed,
    denied: total - allowed,
    breakGlass,
    byMode: [...modes]
      .map(([mode, count]) => ({ mode, count }))
      .sort((a, b) => b.count - a.count || cmp(a.mode, b.mode)),
    byNamespace: [...namespaces]
      .map(([namespace, c]) => ({ namespace, allowed: c.allowed, denied: c.denied }))
      .sort((a, b) => b.allowed + b.denied - (a.allowed + a.denied) || cmp(a.namespace, b.namespace)),
    byReason: countReasons(db, bounds),
  };
}

function countReasons(db: Database.Database, bounds: Bounds): { reason: string; count: number }[] {
  // decision_reasons has no namespace: only a namespace filter pays for the join.
  const sql =
    bounds.namespace === null
      ? `SELECT reason, count(*) AS count FROM decision_reasons WHERE time >= @since AND time <= @until
         GROUP BY reason ORDER BY count DESC, reason`
      : `SELECT r.reason AS reason, count(*) AS count FROM decision_reasons r JOIN decisions d ON d.id = r.decision_id
         WHERE r.time >= @since AND r.time <= @until AND d.namespace = @namespace
         GROUP BY r.reason ORDER BY count DESC, r.reason`;
  return db
    .prepare<Bounds, { reason: string; count: number }>(sql)
    .all(bounds)
    .map((r) => ({ reason: r.reason, count: r.count }));
}

/**
 * Decision counts per (namespace, mode, allowed, break_glass) inside the window, possibly several rows per group:
 * the whole hours from `decision_counts`, the partial hours at either end from the decisions themselves.
 */
function countGroups(db: Database.Database, bounds: Bounds): readonly GroupRow[] {
  const firstWholeHour = Math.ceil(bounds.since / HOUR_MS);
  // The first hour that does not end inside the window (the window's last millisecond is `until`).
  const endHour = Math.floor((bounds.until + 1) / HOUR_MS);
  if (firstWholeHour >= endHour) return countDecisions(db, bounds);
  const whole = db
    .prepare<Bounds & { first: number; end: number }, GroupRow>(
      `SELECT namespace, mode, allowed, break_glass, sum(n) AS n FROM decision_counts
       WHERE hour >= @first AND hour < @end AND n > 0 AND (@namespace IS NULL OR namespace = @namespace)
       GROUP BY namespace, mode, allowed, break_glass`,
    )
    .all({ ...bounds, first: firstWholeHour, end: endHour });
  const head = countDecisions(db, { ...bounds, until: Math.min(bounds.until, firstWholeHour * HOUR_MS - 1) });
  const tail = countDecisions(db, { ...bounds, since: Math.max(bounds.since, endHour * HOUR_MS) });
  return [...whole, ...head, ...tail];
}

/** Counted from `decisions` (a window of at most an hour at each end of the stats window, or one inside an hour). */
function countDecisions(db: Database.Database, bounds: Bounds): readonly GroupRow[] {
  if (bounds.since > bounds.until) return [];
  // The time index, named: with ANALYZE statistics SQLite may prefer a skip-scan of (namespace, time),
  // which reads the table for every namespace.
  return db
    .prepare<Bounds, GroupRow>(
      `SELECT namespace, mode, allowed, break_glass, count(*) AS n FROM decisions INDEXED BY decisions_time
       WHERE time >= @since AND time <= @until AND (@namespace IS NULL OR namespace = @namespace)
       GROUP BY namespace, mode, allowed, break_glass`,
    )
    .all(bounds);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
