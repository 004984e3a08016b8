import type Database from 'better-sqlite3';

// `audit stats` (SPEC §7): counts by decision, mode, namespace, reason code and break-glass. The counts come
// from `decision_counts` (migration 0002: per hour and group, kept by triggers) for the whole hours after
// `since`, and from the decisions themselves only for the partial hour that starts at `since`: grouping
// every decision of a day through a sort took 0.7 s at 10,000,000 decisions (bench/RESULTS.md), SPEC §11
// wants under 100 ms. The few groups are summed here rather than one pass per dimension.

/** The width of a `decision_counts` bucket: `hour` = time / HOUR_MS (migrations/0002_audit_rollups.sql). */
export const HOUR_MS = 3600 * 1000;

export interface AuditStats {
  readonly since: number | null;
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

export function auditStats(db: Database.Database, since?: number): AuditStats {
  const byReason = db
    .prepare<[number], { reason: string; count: number }>(
      `SELECT reason, count(*) AS count FROM decision_reasons WHERE time >= ?
       GROUP BY reason ORDER BY count DESC, reason`,
    )
    // Without --since every row counts: the lowest possible time keeps one SQL text for both cases.
    .all(since ?? Number.MIN_SAFE_INTEGER);
  return summariseStats(since, countGroups(db, since), byReason);
}

/** The stats from decision counts per group (several rows per group may come) and per reason; both engines. */
export function summariseStats(
  since: number | undefined,
  groups: readonly GroupRow[],
  byReason: readonly { readonly reason: string; readonly count: number }[],
): AuditStats {
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
    since: since ?? null,
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

/** Decision counts per (namespace, mode, allowed, break_glass) at or after `since`, possibly several rows per group. */
function countGroups(db: Database.Database, since: number | undefined): readonly GroupRow[] {
  if (since === undefined || since <= 0) {
    return db
      .prepare<[], GroupRow>(
        `SELECT namespace, mode, allowed, break_glass, sum(n) AS n FROM decision_counts WHERE n > 0
         GROUP BY namespace, mode, allowed, break_glass`,
      )
      .all();
  }
  const firstWholeHour = Math.ceil(since / HOUR_MS);
  const whole = db
    .prepare<[number], GroupRow>(
      `SELECT namespace, mode, allowed, break_glass, sum(n) AS n FROM decision_counts WHERE hour >= ? AND n > 0
       GROUP BY namespace, mode, allowed, break_glass`,
    )
    .all(firstWholeHour);
  // The time index, named: with ANALYZE statistics SQLite may prefer a skip-scan of (namespace, time),
  // which reads the table for every namespace.
  const partial = db
    .prepare<[number, number], GroupRow>(
      `SELECT namespace, mode, allowed, break_glass, count(*) AS n FROM decisions INDEXED BY decisions_time
       WHERE time >= ? AND time < ? GROUP BY namespace, mode, allowed, break_glass`,
    )
    .all(since, firstWholeHour * HOUR_MS);
  return [...whole, ...partial];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
