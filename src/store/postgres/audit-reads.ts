import { compileGlob } from '../../core/glob';
import { type AuditDecision, type DecisionFilter, type WriterColumns, literalHead, prefixRange, toDecision } from '../audit-query';
import type { AdmittedImage } from '../audit-repository';
import { type DecisionRow, type ImageRow, groupImages } from '../audit-rows';
import {
  type AuditStats,
  type GroupRow,
  HOUR_MS,
  type ReasonCountRow,
  type StatsBounds,
  type StatsFilter,
  statsBounds,
  statsRanges,
  summariseStats,
  wholeHours,
} from '../audit-stats';
import { type TimelineBucket, type TimelineCountRow, type TimelineRange, bucketTimeline } from '../audit-timeline';
import type { TopDeniedImages, TopDeniedImagesQuery } from '../top-denied-images';
import type { PostgresPool } from './postgres-pool';

// The audit trail's reads on PostgreSQL (SPEC §7 `audit`, `audit stats`; `revoke`'s and `recheck`'s look-ups), with
// the SQLite versions' results (audit-query.ts, audit-stats.ts, sqlite/admitted-*.ts): the same filters, newest first
// by (time, id), the same rows. PostgreSQL's planner chooses among the same indexes, so one query per filter suffices
// where SQLite needed its driving table named.

const SELECT = `SELECT d.id, d.time, d.namespace, d.allowed, d.mode, d.break_glass, d.ticket, d.reason, d.overridden,
       p.hash AS policy_hash, d."user" AS "user", d.groups, d.latency_us, c.writer, c.cluster, d.seq
FROM decisions d LEFT JOIN policies p ON p.id = d.policy_id LEFT JOIN audit_chains c ON c.id = d.chain_id`;

export async function queryDecisions(pool: PostgresPool, filter: DecisionFilter): Promise<readonly AuditDecision[]> {
  const imageIds = filter.image === undefined ? null : await matchingImageIds(pool, filter.image);
  if (imageIds !== null && imageIds.length === 0) return [];
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (filter.namespace !== undefined) where.push(`d.namespace = ${bind(filter.namespace)}`);
  if (filter.user !== undefined) where.push(`d."user" = ${bind(filter.user)}`);
  if (filter.decision !== undefined) where.push(filter.decision === 'allowed' ? 'd.allowed = 1' : 'd.allowed = 0');
  if (filter.breakGlass !== undefined) where.push(filter.breakGlass ? 'd.break_glass = 1' : 'd.break_glass = 0');
  if (filter.since !== undefined) where.push(`d.time >= ${bind(filter.since)}`);
  if (filter.until !== undefined) where.push(`d.time <= ${bind(filter.until)}`);
  if (filter.reason !== undefined) {
    where.push(`d.id IN (SELECT decision_id FROM decision_reasons WHERE reason = ${bind(filter.reason)})`);
  }
  if (imageIds !== null) {
    where.push(`d.id IN (SELECT decision_id FROM decision_images WHERE image_id = ANY(${bind(imageIds)}::bigint[]))`);
  }
  const sql = `${SELECT} ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
    ORDER BY d.time DESC, d.id DESC LIMIT ${bind(filter.limit)}`;
  const rows = await pool.rows<DecisionRow & WriterColumns>(sql, params);
  const images = rows.length === 0 ? new Map() : groupImages(await imagesOf(pool, rows.map((r) => r.id)));
  return rows.map((row) => toDecision(row, images.get(row.id) ?? []));
}

function imagesOf(pool: PostgresPool, ids: readonly number[]): Promise<ImageRow[]> {
  return pool.rows<ImageRow>(
    `SELECT di.decision_id, r.image, r.repository, r.digest, di.allowed, di.reasons, di.unchanged, di.signature
     FROM decision_images di JOIN image_refs r ON r.id = di.image_id
     WHERE di.decision_id = ANY($1::bigint[])
     ORDER BY di.decision_id, di.idx`,
    [ids],
  );
}

/** Interned images whose string or repository matches the glob; only those sharing its literal head are read. */
async function matchingImageIds(pool: PostgresPool, glob: string): Promise<readonly number[]> {
  const match = compileGlob(glob);
  const range = prefixRange(literalHead(glob));
  const bounds = (column: string): string =>
    range === null ? 'TRUE' : range.below === null ? `${column} >= $1` : `${column} >= $1 AND ${column} < $2`;
  const params = range === null ? [] : range.below === null ? [range.from] : [range.from, range.below];
  const rows = await pool.rows<{ id: number; image: string; repository: string | null }>(
    `SELECT id, image, repository FROM image_refs WHERE (${bounds('image')}) OR (${bounds('repository')}) ORDER BY id`,
    params,
  );
  return rows.filter((row) => match(row.image) || (row.repository !== null && match(row.repository))).map((row) => row.id);
}


/** `audit stats`: whole days, then whole hours, from the rollups, the partial first hour from the decisions (audit-stats.ts). */
export async function auditStats(pool: PostgresPool, filter: StatsFilter): Promise<AuditStats> {
  if (filter.until !== undefined || filter.namespace !== undefined) return windowStats(pool, filter);
  const since = filter.since;
  const r = statsRanges(since);
  const groups = await pool.rows<GroupRow>(
    `SELECT namespace, mode, allowed, break_glass, sum(n)::bigint AS n FROM decision_day_counts WHERE day >= $1 AND n > 0
     GROUP BY namespace, mode, allowed, break_glass`,
    [r.fromDay],
  );
  const hourGroups = await pool.rows<GroupRow>(
    `SELECT namespace, mode, allowed, break_glass, sum(n)::bigint AS n FROM decision_counts WHERE hour >= $1 AND hour < $2 AND n > 0
     GROUP BY namespace, mode, allowed, break_glass`,
    [r.hours.from, r.hours.to],
  );
  const partialGroups = await pool.rows<GroupRow>(
    `SELECT namespace, mode, allowed, break_glass, count(*) AS n FROM decisions
     WHERE time >= $1 AND time < $2 GROUP BY namespace, mode, allowed, break_glass`,
    [r.partial.from, r.partial.to],
  );
  const reasons = await pool.rows<ReasonCountRow>(
    'SELECT reason, sum(n)::bigint AS count FROM decision_reason_counts WHERE hour >= $1 GROUP BY reason',
    [r.hours.from],
  );
  const partialReasons = await pool.rows<ReasonCountRow>(
    `SELECT reason, count(*) AS count FROM decision_reasons
     WHERE reason IN (SELECT DISTINCT reason FROM decision_reason_counts) AND time >= $1 AND time < $2 GROUP BY reason`,
    [r.partial.from, r.partial.to],
  );
  return summariseStats(filter, [...groups, ...hourGroups, ...partialGroups], [...reasons, ...partialReasons]);
}

/** `audit stats --until/--namespace`: whole hours from the hourly counts, the partial ones from the decisions (audit-stats.ts). */
async function windowStats(pool: PostgresPool, filter: StatsFilter): Promise<AuditStats> {
  const bounds = statsBounds(filter);
  // decision_reasons has no namespace: only a namespace filter pays for the join.
  const byReason = await pool.rows<ReasonCountRow>(
    bounds.namespace === null
      ? `SELECT reason, count(*) AS count FROM decision_reasons WHERE time >= $1 AND time <= $2 GROUP BY reason`
      : `SELECT r.reason AS reason, count(*) AS count FROM decision_reasons r JOIN decisions d ON d.id = r.decision_id
         WHERE r.time >= $1 AND r.time <= $2 AND d.namespace = $3 GROUP BY r.reason`,
    bounds.namespace === null ? [bounds.since, bounds.until] : [bounds.since, bounds.until, bounds.namespace],
  );
  const hours = wholeHours(bounds);
  if (hours === null) return summariseStats(filter, await countDecisions(pool, bounds), byReason);
  const whole = await pool.rows<GroupRow>(
    `SELECT namespace, mode, allowed, break_glass, sum(n)::bigint AS n FROM decision_counts
     WHERE hour >= $1 AND hour < $2 AND n > 0 AND ($3::text IS NULL OR namespace = $3)
     GROUP BY namespace, mode, allowed, break_glass`,
    [hours.first, hours.end, bounds.namespace],
  );
  const head = await countDecisions(pool, { ...bounds, until: Math.min(bounds.until, hours.first * HOUR_MS - 1) });
  const tail = await countDecisions(pool, { ...bounds, since: Math.max(bounds.since, hours.end * HOUR_MS) });
  return summariseStats(filter, [...whole, ...head, ...tail], byReason);
}

async function countDecisions(pool: PostgresPool, bounds: StatsBounds): Promise<readonly GroupRow[]> {
  if (bounds.since > bounds.until) return [];
  return pool.rows<GroupRow>(
    `SELECT namespace, mode, allowed, break_glass, count(*) AS n FROM decisions
     WHERE time >= $1 AND time <= $2 AND ($3::text IS NULL OR namespace = $3) GROUP BY namespace, mode, allowed, break_glass`,
    [bounds.since, bounds.until, bounds.namespace],
  );
}

export function admittedNamespaces(pool: PostgresPool, repository: string, digest: string, sinceMs: number): Promise<readonly string[]> {
  return pool
    .rows<{ namespace: string }>(
      `SELECT DISTINCT d.namespace AS namespace
       FROM image_refs r
       JOIN decision_images di ON di.image_id = r.id
       JOIN decisions d ON d.id = di.decision_id
       WHERE r.repository = $1 AND r.digest = $2 AND d.allowed = 1 AND d.time >= $3
       ORDER BY d.namespace`,
      [repository, digest, sinceMs],
    )
    .then((rows) => rows.map((row) => row.namespace));
}

export function admittedImagesSince(pool: PostgresPool, since: number): Promise<readonly AdmittedImage[]> {
  return pool.rows<AdmittedImage>(
    `SELECT d.namespace AS namespace, r.image AS image, max(d.id) AS "decisionId"
     FROM decisions d
     JOIN decision_images di ON di.decision_id = d.id
     JOIN image_refs r ON r.id = di.image_id
     WHERE d.time >= $1 AND d.allowed = 1
     GROUP BY d.namespace, r.image
     ORDER BY d.namespace, r.image`,
    [since],
  );
}

/** One decision by id (the dashboard's decision page), or null. */
export async function queryDecision(pool: PostgresPool, id: number): Promise<AuditDecision | null> {
  const [row] = await pool.rows<DecisionRow & WriterColumns>(`${SELECT} WHERE d.id = $1`, [id]);
  if (row === undefined) return null;
  return toDecision(row, groupImages(await imagesOf(pool, [id])).get(id) ?? []);
}

/** The dashboard's chart from the hourly outcome counts (audit-timeline.ts). */
export async function auditTimeline(pool: PostgresPool, range: TimelineRange): Promise<readonly TimelineBucket[]> {
  const rows = await pool.rows<TimelineCountRow>(
    'SELECT hour, outcome, n FROM decision_outcomes WHERE hour >= $1 AND hour < $2 AND n > 0',
    [range.fromHour, range.fromHour + range.buckets * range.bucketHours],
  );
  return bucketTimeline(range, rows);
}

/** The images most often denied among the newest denied decisions of a range (top-denied-images.ts). */
export async function topDeniedImages(pool: PostgresPool, query: TopDeniedImagesQuery): Promise<TopDeniedImages> {
  const newest = 'SELECT id FROM decisions WHERE allowed = 0 AND time >= $1 AND time < $2 ORDER BY time DESC LIMIT $3';
  const params = [query.since, query.until, query.maxDecisions];
  const [counted] = await pool.rows<{ n: number }>(`SELECT count(*) AS n FROM (${newest}) d`, params);
  const decisionsRead = counted?.n ?? 0;
  const images = await pool.rows<{ image: string; denials: number }>(
    `SELECT r.image AS image, count(*) AS denials
     FROM (${newest}) d
     JOIN decision_images di ON di.decision_id = d.id
     JOIN image_refs r ON r.id = di.image_id
     WHERE di.allowed = 0
     GROUP BY di.image_id, r.image ORDER BY denials DESC, r.image LIMIT $4`,
    [...params, query.limit],
  );
  return { images, decisionsRead, capped: decisionsRead >= query.maxDecisions };
}
