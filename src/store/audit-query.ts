import type Database from 'better-sqlite3';
import { compileGlob } from '../core/glob';
import type { ReasonCode } from '../core/types';
import { type AuditImage, type DecisionRow, decisionFields, imagesOf } from './audit-rows';

export type { AuditImage } from './audit-rows';

// `audit` queries (SPEC §7). Each filter becomes a condition the schema's indexes serve: (namespace,
// time) for one namespace, (time) for a time range, the partial indexes on denied and break-glass rows,
// the (reason, decision) table for `--reason`, and (image_id, decision) for `--image`. Conditions on
// `allowed` and `break_glass` are written as literals, since SQLite uses a partial index only when the
// query's WHERE implies the index's own, which a bound parameter never does.

export interface DecisionFilter {
  readonly namespace?: string;
  /** Glob on the image string as given, or on its normalised repository. */
  readonly image?: string;
  readonly decision?: 'allowed' | 'denied';
  readonly reason?: ReasonCode;
  readonly breakGlass?: boolean;
  /** The requesting user (AdmissionReview decisions only: ImageReview never says). */
  readonly user?: string;
  /** Epoch ms, inclusive. */
  readonly since?: number;
  /** Epoch ms, inclusive. */
  readonly until?: number;
  /** Paging: only decisions older than this one in the (time, id) order of the results (the last row of a page). */
  readonly before?: DecisionCursor;
  readonly limit: number;
}

/** A decision's place in the newest-first order of `audit` results. */
export interface DecisionCursor {
  readonly time: number;
  readonly id: number;
}

export interface AuditDecision {
  readonly id: number;
  readonly time: number;
  readonly namespace: string;
  readonly allowed: boolean;
  readonly mode: string;
  readonly breakGlass: boolean;
  readonly ticket: string | null;
  readonly reason: string;
  readonly overridden: string | null;
  readonly policyHash: string | null;
  readonly user: string | null;
  /** The requesting user's groups, null for ImageReview decisions. */
  readonly groups: readonly string[] | null;
  readonly latencyUs: number;
  /** The `serve` that decided (SPEC §7), null for decisions recorded before writers were (migration 0008). */
  readonly writer: string | null;
  /** The cluster that writer's deployment names, or null. */
  readonly cluster: string | null;
  /** Its place in its writer's chain (1, 2, 3, …), null for decisions recorded before writers were (their place is their id). */
  readonly chainSeq: number | null;
  readonly images: readonly AuditImage[];
}

/** Decisions matching the filter, newest first. */
export function queryDecisions(db: Database.Database, filter: DecisionFilter): readonly AuditDecision[] {
  const query = decisionQuery(db, filter);
  if (query === null) return [];
  const rows = db.prepare<(string | number)[], DecisionRow & WriterColumns>(query.sql).all(...query.params);
  const images = imagesOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => toDecision(row, images.get(row.id) ?? []));
}

/** One decision by id, or null when there is none. */
export function queryDecision(db: Database.Database, id: number): AuditDecision | null {
  const row = db.prepare<[number], DecisionRow & WriterColumns>(`${SELECT} FROM decisions d ${POLICY} WHERE d.id = ?`).get(id);
  return row === undefined ? null : toDecision(row, imagesOf(db, [id]).get(id) ?? []);
}

/** SQLite's query plan for a filter (EXPLAIN QUERY PLAN details), to check which indexes serve it. */
export function explainDecisionQuery(db: Database.Database, filter: DecisionFilter): readonly string[] {
  const query = decisionQuery(db, filter);
  if (query === null) return [];
  return db
    .prepare<(string | number)[], { detail: string }>(`EXPLAIN QUERY PLAN ${query.sql}`)
    .all(...query.params)
    .map((r) => r.detail);
}

interface Query {
  readonly sql: string;
  readonly params: readonly (string | number)[];
}

const SELECT = `SELECT d.id, d.time, d.namespace, d.allowed, d.mode, d.break_glass, d.ticket, d.reason, d.overridden,
       p.hash AS policy_hash, d.user, d.groups, d.latency_us, c.writer, c.cluster, d.seq`;
const POLICY = 'LEFT JOIN policies p ON p.id = d.policy_id LEFT JOIN audit_chains c ON c.id = d.chain_id';
const IMAGE_IN = 'SELECT value FROM json_each(?)';

/**
 * The SQL for a filter, or null when it cannot match anything (an image glob matching no image). The
 * driving table is the most selective index that also yields rows newest first, so LIMIT stops early:
 * `decision_reasons` (reason, time) for `--reason`, `decision_images` (image, time) for `--image` alone,
 * else `decisions` through (namespace, time), (time) or a partial index. CROSS JOIN fixes that order.
 */
function decisionQuery(db: Database.Database, filter: DecisionFilter): Query | null {
  const imageIds = filter.image === undefined ? null : JSON.stringify(matchingImageIds(db, filter.image));
  if (imageIds === '[]') return null;
  const where = new Conditions();
  if (filter.namespace !== undefined) where.add('d.namespace = ?', filter.namespace);
  if (filter.user !== undefined) where.add('d.user = ?', filter.user);
  if (filter.decision !== undefined) where.add(filter.decision === 'allowed' ? 'd.allowed = 1' : 'd.allowed = 0');
  if (filter.breakGlass !== undefined) where.add(filter.breakGlass ? 'd.break_glass = 1' : 'd.break_glass = 0');
  if (filter.reason !== undefined) return byReason(where, filter.reason, imageIds, filter);
  if (imageIds !== null && where.isEmpty()) return byImage(imageIds, filter);
  where.time('d.time', 'd.id', filter);
  if (imageIds !== null) where.add(WITH_IMAGE, imageIds);
  return where.query(`${SELECT} FROM decisions d ${POLICY}`, 'ORDER BY d.time DESC, d.id DESC LIMIT ?', filter.limit);
}

const WITH_IMAGE = `d.id IN (SELECT decision_id FROM decision_images WHERE image_id IN (${IMAGE_IN}))`;

function byReason(where: Conditions, reason: ReasonCode, imageIds: string | null, filter: DecisionFilter): Query {
  where.add('dr.reason = ?', reason).time('dr.time', 'dr.decision_id', filter);
  if (imageIds !== null) where.add(WITH_IMAGE, imageIds);
  return where.query(
    `${SELECT} FROM decision_reasons dr CROSS JOIN decisions d ON d.id = dr.decision_id ${POLICY}`,
    'ORDER BY dr.time DESC, dr.decision_id DESC LIMIT ?',
    filter.limit,
  );
}

/** Only the page's decisions are read: the newest matching (time, id) pairs come from the index alone. */
function byImage(imageIds: string, filter: DecisionFilter): Query {
  const page = new Conditions()
    .add(`di.image_id IN (${IMAGE_IN})`, imageIds)
    .time('di.time', 'di.decision_id', filter)
    .query(
      // A decision's image rows share its time, so DISTINCT (time, id) drops a pod's repeated image.
      'SELECT DISTINCT di.time AS time, di.decision_id AS id FROM decision_images di',
      'ORDER BY di.time DESC, di.decision_id DESC LIMIT ?',
      filter.limit,
    );
  return {
    sql: `${SELECT} FROM (${page.sql}) x CROSS JOIN decisions d ON d.id = x.id ${POLICY} ORDER BY x.time DESC, x.id DESC`,
    params: page.params,
  };
}

/** A WHERE clause and its parameters, in order. */
class Conditions {
  private readonly conditions: string[] = [];
  private readonly params: (string | number)[] = [];

  add(condition: string, ...values: (string | number)[]): this {
    this.conditions.push(condition);
    this.params.push(...values);
    return this;
  }

  /** The time range, and the page's start as a row-value comparison, which SQLite serves from the same index. */
  time(column: string, idColumn: string, filter: DecisionFilter): this {
    if (filter.since !== undefined) this.add(`${column} >= ?`, filter.since);
    if (filter.until !== undefined) this.add(`${column} <= ?`, filter.until);
    if (filter.before !== undefined) this.add(`(${column}, ${idColumn}) < (?, ?)`, filter.before.time, filter.before.id);
    return this;
  }

  isEmpty(): boolean {
    return this.conditions.length === 0;
  }

  query(head: string, tail: string, limit: number): Query {
    const where = this.isEmpty() ? '' : `WHERE ${this.conditions.join(' AND ')}`;
    return { sql: `${head} ${where} ${tail}`, params: [...this.params, limit] };
  }
}

/**
 * Interned image ids whose image string or repository matches the glob. Only the images that share the glob's
 * literal head (before its first `*` or `?`) are read, through the indexes on `image` and `repository`: a glob
 * such as `registry.corp.example/team-07/*` no longer reads every interned image (600,000 in the bench took
 * 1.5 s, SPEC §11 wants under 100 ms). A glob that starts with a wildcard still reads them all. The glob
 * itself is then matched here, so its meaning stays that of src/core/glob.ts.
 */
function matchingImageIds(db: Database.Database, glob: string): readonly number[] {
  const match = compileGlob(glob);
  const ids = new Set<number>();
  const consider = (rows: Iterable<{ id: number; image: string; repository: string | null }>): void => {
    for (const row of rows) {
      if (match(row.image) || (row.repository !== null && match(row.repository))) ids.add(row.id);
    }
  };
  const range = prefixRange(literalHead(glob));
  if (range === null) {
    consider(db.prepare<[], ImageRefRow>('SELECT id, image, repository FROM image_refs').iterate());
    return [...ids];
  }
  for (const column of ['image', 'repository']) {
    const sql = `SELECT id, image, repository FROM image_refs WHERE ${column} >= ?`;
    if (range.below === null) consider(db.prepare<[string], ImageRefRow>(sql).iterate(range.from));
    else consider(db.prepare<[string, string], ImageRefRow>(`${sql} AND ${column} < ?`).iterate(range.from, range.below));
  }
  return [...ids].sort((a, b) => a - b);
}

interface ImageRefRow {
  readonly id: number;
  readonly image: string;
  readonly repository: string | null;
}

export function literalHead(glob: string): string {
  const wildcard = glob.search(/[*?]/);
  return wildcard === -1 ? glob : glob.slice(0, wildcard);
}

/**
 * Every string that starts with `head` lies in [from, below) in SQLite's BINARY order (memcmp of UTF-8, which
 * is code point order): `below` is `head` with its last code point incremented. Null when `head` is empty;
 * `below` null when no code point can be incremented (only U+10FFFF).
 */
export function prefixRange(head: string): { readonly from: string; readonly below: string | null } | null {
  if (head === '') return null;
  const points = Array.from(head, (c) => c.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = (points.pop() ?? 0) + 1;
    if (last > 0x10ffff) continue;
    // Surrogate code points never appear in UTF-8 text: the next one after U+D7FF is U+E000.
    points.push(last >= 0xd800 && last <= 0xdfff ? 0xe000 : last);
    return { from: head, below: String.fromCodePoint(...points) };
  }
  return { from: head, below: null };
}

/** The chain's writer and cluster and the decision's place in it (migration 0008), null for decisions recorded before writers were. */
export interface WriterColumns {
  readonly writer: string | null;
  readonly cluster: string | null;
  readonly seq: number | null;
}

/** A decision row and its images as `audit` shows them (flags as booleans, groups parsed). */
export function toDecision(row: DecisionRow & WriterColumns, images: readonly AuditImage[]): AuditDecision {
  const groups = row.groups === null ? null : parseGroups(row.groups);
  const { writer, cluster, seq } = row;
  return { ...decisionFields(row), allowed: row.allowed === 1, breakGlass: row.break_glass === 1, groups, writer, cluster, chainSeq: seq, images };
}

/** `decisions.groups` as written (a JSON array of strings); anything else, edited by hand, reads as no groups. */
function parseGroups(text: string): readonly string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((g): g is string => typeof g === 'string') : [];
  } catch {
    return [];
  }
}
