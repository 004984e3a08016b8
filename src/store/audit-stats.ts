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

/** Decisions counted for one (namespace, mode, allowed, break_glass) group. */
export interface GroupRow {
  readonly namespace: string;
  readonly mode: string;
  readonly allowed: number;
  readonly break_glass: number;
  readonly n: number;
}

/** The window and namespace of the queries below: an unset end of the window is the lowest or highest possible time. */
export interface StatsBounds {
  readonly since: number;
  readonly until: number;
  readonly namespace: string | null;
}

export type ReasonCount = { readonly reason: string; readonly count: number };

export function statsBounds(filter: StatsFilter): StatsBounds {
  return {
    since: filter.since ?? Number.MIN_SAFE_INTEGER,
    until: filter.until ?? Number.MAX_SAFE_INTEGER,
    namespace: filter.namespace ?? null,
  };
}

/**
 * The `decision_counts` hours wholly inside the window, [first, end), or null when none is (both engines): the
 * partial hours at either end are counted from the decisions themselves.
 */
export function wholeHours(bounds: StatsBounds): { readonly first: number; readonly end: number } | null {
  const first = Math.ceil(bounds.since / HOUR_MS);
  // The first hour that does not end inside the window (the window's last millisecond is `until`).
  const end = Math.floor((bounds.until + 1) / HOUR_MS);
  return first >= end ? null : { first, end };
}

export function auditStats(db: Database.Database, filter: StatsFilter = {}): AuditStats {
  const bounds = statsBounds(filter);
  return summariseStats(filter, countGroups(db, bounds), countReasons(db, bounds));
}

/** The stats from decision counts per group (several rows per group may come) and per reason; both engines. */
export function summariseStats(filter: StatsFilter, groups: readonly GroupRow[], byReason: readonly ReasonCount[]): AuditStats {
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
    namespace: filter.namespace ?? null,
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
    byReason: byReason.map((r) => ({ reason: r.reason, count: r.count })),
  };
}

function countReasons(db: Database.Database, bounds: StatsBounds): ReasonCount[] {
  // decision_reasons has no namespace: only a namespace filter pays for the join.
  const sql =
    bounds.namespace === null
      ? `SELECT reason, count(*) AS count FROM decision_reasons WHERE time >= @since AND time <= @until
         GROUP BY reason ORDER BY count DESC, reason`
      : `SELECT r.reason AS reason, count(*) AS count FROM decision_reasons r JOIN decisions d ON d.id = r.decision_id
         WHERE r.time >= @since AND r.time <= @until AND d.namespace = @namespace
         GROUP BY r.reason ORDER BY count DESC, r.reason`;
  return db.prepare<StatsBounds, ReasonCount>(sql).all(bounds);
}

/**
 * Decision counts per (namespace, mode, allowed, break_glass) inside the window, possibly several rows per group:
 * the whole hours from `decision_counts`, the partial hours at either end from the decisions themselves.
 */
function countGroups(db: Database.Database, bounds: StatsBounds): readonly GroupRow[] {
  const hours = wholeHours(bounds);
  if (hours === null) return countDecisions(db, bounds);
  const whole = db
    .prepare<StatsBounds & { first: number; end: number }, GroupRow>(
      `SELECT namespace, mode, allowed, break_glass, sum(n) AS n FROM decision_counts
       WHERE hour >= @first AND hour < @end AND n > 0 AND (@namespace IS NULL OR namespace = @namespace)
       GROUP BY namespace, mode, allowed, break_glass`,
    )
    .all({ ...bounds, ...hours });
  const head = countDecisions(db, { ...bounds, until: Math.min(bounds.until, hours.first * HOUR_MS - 1) });
  const tail = countDecisions(db, { ...bounds, since: Math.max(bounds.since, hours.end * HOUR_MS) });
  return [...whole, ...head, ...tail];
}

/** Counted from `decisions` (a window of at most an hour at each end of the stats window, or one inside an hour). */
function countDecisions(db: Database.Database, bounds: StatsBounds): readonly GroupRow[] {
  if (bounds.since > bounds.until) return [];
  // The time index, named: with ANALYZE statistics SQLite may prefer a skip-scan of (namespace, time),
  // which reads the table for every namespace.
  return db
    .prepare<StatsBounds, GroupRow>(
      `SELECT namespace, mode, allowed, break_glass, count(*) AS n FROM decisions INDEXED BY decisions_time
       WHERE time >= @since AND time <= @until AND (@namespace IS NULL OR namespace = @namespace)
       GROUP BY namespace, mode, allowed, break_glass`,
    )
    .all(bounds);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
