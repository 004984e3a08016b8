import type Database from 'better-sqlite3';

// `audit stats` (SPEC §7): counts by decision, mode, namespace, reason code and break-glass, read from the rollups kept
// by triggers: `decision_day_counts` (migration 0009) for the whole UTC days after `since`, `decision_counts` (0002)
// for the whole hours before the first of them, and the decisions themselves only for the partial hour that starts at
// `since`; reason codes from `decision_reason_counts` (0009) likewise. Grouping every decision of a day through a sort
// took 0.7 s at 10,000,000 decisions, and summing 30 days of hourly rows 75 ms at 1,000,000 (bench/RESULTS.md); SPEC §11
// wants under 100 ms. The few groups are summed here rather than one pass per dimension.

/** The width of a `decision_counts` bucket: `hour` = time / HOUR_MS (migrations/sqlite/0002_audit_rollups.sql). */
export const HOUR_MS = 3600 * 1000;
/** The width of a `decision_day_counts` bucket: `day` = time / DAY_MS (migrations/sqlite/0009_dashboard_rollups.sql). */
export const DAY_MS = 24 * HOUR_MS;

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

/** Where each part of a stats window is read from; the same on both engines. */
export interface StatsRanges {
  /** Whole days at or after this one (epoch ms / DAY_MS), from `decision_day_counts`. */
  readonly fromDay: number;
  /** Whole hours in [from, to) (epoch ms / HOUR_MS), from `decision_counts` and `decision_reason_counts`. */
  readonly hours: { readonly from: number; readonly to: number };
  /** Epoch ms [from, to), from the decisions themselves (empty when `since` is on an hour). */
  readonly partial: { readonly from: number; readonly to: number };
}

export function statsRanges(since: number | undefined): StatsRanges {
  // Without --since (or from before 1970) every row counts.
  if (since === undefined || since <= 0) return { fromDay: 0, hours: { from: 0, to: 0 }, partial: { from: 0, to: 0 } };
  const firstWholeHour = Math.ceil(since / HOUR_MS);
  const fromDay = Math.ceil(firstWholeHour / 24);
  return {
    fromDay,
    hours: { from: firstWholeHour, to: fromDay * 24 },
    partial: { from: since, to: firstWholeHour * HOUR_MS },
  };
}

/** Decisions counted per reason code (several rows per code may come). */
export interface ReasonCountRow {
  readonly reason: string;
  readonly count: number;
}

export function auditStats(db: Database.Database, filter: StatsFilter = {}): AuditStats {
  if (filter.until !== undefined || filter.namespace !== undefined) return windowStats(db, statsBounds(filter), filter);
  const since = filter.since;
  const r = statsRanges(since);
  const groups = db
    .prepare<[number], GroupRow>(
      `SELECT namespace, mode, allowed, break_glass, sum(n) AS n FROM decision_day_counts WHERE day >= ? AND n > 0
       GROUP BY namespace, mode, allowed, break_glass`,
    )
    .all(r.fromDay);
  const hourGroups = db
    .prepare<[number, number], GroupRow>(
      `SELECT namespace, mode, allowed, break_glass, sum(n) AS n FROM decision_counts WHERE hour >= ? AND hour < ? AND n > 0
       GROUP BY namespace, mode, allowed, break_glass`,
    )
    .all(r.hours.from, r.hours.to);
  // The time index, named: with ANALYZE statistics SQLite may prefer a skip-scan of (namespace, time),
  // which reads the table for every namespace.
  const partialGroups = db
    .prepare<[number, number], GroupRow>(
      `SELECT namespace, mode, allowed, break_glass, count(*) AS n FROM decisions INDEXED BY decisions_time
       WHERE time >= ? AND time < ? GROUP BY namespace, mode, allowed, break_glass`,
    )
    .all(r.partial.from, r.partial.to);
  const reasons = db
    .prepare<[number], ReasonCountRow>('SELECT reason, sum(n) AS count FROM decision_reason_counts WHERE hour >= ? GROUP BY reason')
    .all(r.hours.from);
  // The partial hour through the reason index's leading column, one range per code the rollup knows.
  const partialReasons = db
    .prepare<[number, number], ReasonCountRow>(
      `SELECT reason, count(*) AS count FROM decision_reasons
       WHERE reason IN (SELECT DISTINCT reason FROM decision_reason_counts) AND time >= ? AND time < ? GROUP BY reason`,
    )
    .all(r.partial.from, r.partial.to);
  return summariseStats(filter, [...groups, ...hourGroups, ...partialGroups], [...reasons, ...partialReasons]);
}

/** The stats from decision counts per group and per reason (several rows per group or code may come); both engines. */
export function summariseStats(
  filter: StatsFilter,
  groups: readonly GroupRow[],
  reasonRows: readonly ReasonCountRow[],
): AuditStats {
  const reasons = new Map<string, number>();
  for (const r of reasonRows) if (r.count > 0) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + r.count);
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
    byReason: [...reasons]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || cmp(a.reason, b.reason)),
  };
}

/** The window and namespace of windowStats: an unset end of the window is the lowest or highest possible time. */
export interface StatsBounds {
  readonly since: number;
  readonly until: number;
  readonly namespace: string | null;
}

export function statsBounds(filter: StatsFilter): StatsBounds {
  return {
    since: filter.since ?? Number.MIN_SAFE_INTEGER,
    until: filter.until ?? Number.MAX_SAFE_INTEGER,
    namespace: filter.namespace ?? null,
  };
}

/**
 * The `decision_counts` hours wholly inside a window with an end or a namespace, [first, end), or null when none is
 * (both engines): the partial hours at either end are counted from the decisions themselves.
 */
export function wholeHours(bounds: StatsBounds): { readonly first: number; readonly end: number } | null {
  const first = Math.ceil(bounds.since / HOUR_MS);
  // The first hour that does not end inside the window (the window's last millisecond is `until`).
  const end = Math.floor((bounds.until + 1) / HOUR_MS);
  return first >= end ? null : { first, end };
}

/** `audit stats --until/--namespace`: hourly counts for the whole hours, the decisions for the partial ones. */
function windowStats(db: Database.Database, bounds: StatsBounds, filter: StatsFilter): AuditStats {
  return summariseStats(filter, countGroups(db, bounds), countReasons(db, bounds));
}

function countReasons(db: Database.Database, bounds: StatsBounds): ReasonCountRow[] {
  // decision_reasons has no namespace: only a namespace filter pays for the join.
  const sql =
    bounds.namespace === null
      ? `SELECT reason, count(*) AS count FROM decision_reasons WHERE time >= @since AND time <= @until GROUP BY reason`
      : `SELECT r.reason AS reason, count(*) AS count FROM decision_reasons r JOIN decisions d ON d.id = r.decision_id
         WHERE r.time >= @since AND r.time <= @until AND d.namespace = @namespace GROUP BY r.reason`;
  return db.prepare<StatsBounds, ReasonCountRow>(sql).all(bounds);
}

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

function countDecisions(db: Database.Database, bounds: StatsBounds): readonly GroupRow[] {
  if (bounds.since > bounds.until) return [];
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
