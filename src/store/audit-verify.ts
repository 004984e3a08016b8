import type Database from 'better-sqlite3';
import type { ChainImage, ChainRow } from './audit-hash';
import { type StoredChainHead, createChainWalk } from './chain-walk';
import { readChainHeads } from './chain-heads';
import { type DecisionRow, decisionFields, splitReasons } from './audit-rows';
import { DECISION_ROLLUPS, type DecisionRollup, type RollupGroup, type RollupKey, countIntoRollup, rollupRowsQuery } from './decision-rollups';

// `audit verify` (SPEC §6, §7): walks every decision in id order, recomputing each writer's hash chain with the
// writer's own canonical form (audit-hash.ts, chain-walk.ts): a gap in a chain is a deleted row, a hash that does not
// match is an edited row (or an edited image or policy row), and each chain's head (`audit_chains`) must name its
// newest entry, so deleting the newest rows is detected too.
// The same walk checks the indexes derived from the hashed rows, which the chain itself does not cover:
// `decision_reasons` (a deleted row there would hide a decision from `audit --reason`) and the rollups of
// decision-rollups.ts (an edited count would falsify `audit stats` or the dashboard). A broken chain is reported
// before an edited index.

export type VerifyResult =
  | { readonly ok: true; readonly rows: number }
  | {
      readonly ok: false;
      readonly rows: number;
      /** chain: a decision row (or the audit head) was edited or deleted; index: a derived index was. */
      readonly kind: 'chain' | 'index';
      /** The first decision concerned; null for an index row that no decision accounts for. */
      readonly firstBadId: number | null;
      readonly problem: string;
    };

/** A decision joined with one of its images (or none), as both engines read the chains. */
export interface WalkRow extends DecisionRow {
  readonly chain_id: number;
  readonly seq: number | null;
  /** A BLOB as written; anything else (a hand-edited value) fails the comparison. */
  readonly hash: unknown;
  readonly idx: number | null;
  readonly image: string | null;
  readonly repository: string | null;
  readonly digest: string | null;
  readonly image_allowed: number | null;
  readonly reasons: string | null;
  readonly unchanged: number | null;
  readonly signature: unknown;
  readonly image_time: number | null;
}

interface Stored {
  readonly row: ChainRow;
  readonly chainId: number;
  readonly seq: number | null;
  readonly hash: Buffer;
  /** The first image (idx) whose `decision_images.time` is not the decision's own time, or null. */
  readonly timeEditedIdx: number | null;
}

// One statement, rows ordered by the primary keys of decisions and decision_images (no sort), read as a
// stream: memory stays flat however many decisions there are.
const WALK = `SELECT d.id, d.time, d.namespace, d.allowed, d.mode, d.break_glass, d.ticket, d.reason, d.overridden,
       p.hash AS policy_hash, d.user, d.groups, d.latency_us, d.hash, d.chain_id, d.seq,
       di.idx, r.image, r.repository, r.digest, di.allowed AS image_allowed, di.reasons, di.unchanged, di.signature, di.time AS image_time
FROM decisions d
LEFT JOIN policies p ON p.id = d.policy_id
LEFT JOIN decision_images di ON di.decision_id = d.id
LEFT JOIN image_refs r ON r.id = di.image_id
ORDER BY d.id, di.idx`;

export function verifyAuditChain(db: Database.Database): VerifyResult {
  // One read transaction: a consistent snapshot while the server keeps appending.
  return db.transaction((): VerifyResult => {
    const hasReason = db.prepare<[string, number, number], number>(HAS_REASON).pluck();
    const walker = createChainWalker(readChainHeads(db), (code, time, id) => hasReason.get(code, time, id) !== undefined);
    walker.push(db.prepare<[], WalkRow>(WALK).iterate());
    return walker.finish({
      storedReasonRows: db.prepare<[], number>(REASON_ROWS).pluck().get() ?? 0,
      extraReason: () => db.prepare<[], ExtraReasonRow>(EXTRA_REASON).get(),
      rollupRows: (rollup) => db.prepare<[], StoredRollupRow>(rollupRowsQuery(rollup)).iterate(),
    });
  })();
}

/** The first `decision_reasons` row that no decision has. */
export interface ExtraReasonRow {
  readonly decision_id: number;
  readonly reason: string;
}

/** What the walk compares with once every decision went by; read by each engine from the same snapshot. */
export interface IndexTotals {
  readonly storedReasonRows: number;
  /** Asked only when the stored reason rows are more than the decisions account for. */
  readonly extraReason: () => ExtraReasonRow | undefined;
  /** A rollup's stored rows; read only when the walk got that far (an unfinished SQLite iterator would keep the connection busy). */
  readonly rollupRows: (rollup: DecisionRollup) => Iterable<StoredRollupRow>;
}

/**
 * The walk of every chain (chain-walk.ts), fed rows in (decision id, image idx) order, in as many batches as the
 * engine reads (SQLite one stream, PostgreSQL range batches). Pure but for `hasReason`, the engine's look-up in
 * `decision_reasons`.
 */
export interface ChainWalker {
  /** Feeds rows; false once a chain is broken (feeding more changes nothing). */
  push(rows: Iterable<WalkRow>): boolean;
  /** Reason rows the decisions walked so far account for. */
  reasonRows(): number;
  finish(totals: IndexTotals): VerifyResult;
}

export function createChainWalker(
  heads: readonly StoredChainHead[],
  hasReason: (code: string, time: number, id: number) => boolean,
): ChainWalker {
  const chains = createChainWalk(heads);
  const indexes = createIndexCheck(hasReason);
  const grouping = createGrouping();
  let rows = 0;
  let broken: VerifyResult | null = null;
  const take = (stored: Stored): void => {
    if (broken !== null) return;
    const problem = chains.add(stored);
    if (problem !== null) {
      broken = { ok: false, rows, kind: 'chain', ...problem };
      return;
    }
    indexes.add(stored);
    rows += 1;
  };
  return {
    push: (batch) => {
      for (const row of batch) {
        const done = grouping.add(row);
        if (done !== null) take(done);
        if (broken !== null) return false;
      }
      return true;
    },
    reasonRows: () => indexes.reasonRows(),
    finish: (totals) => {
      const last = grouping.end();
      if (last !== null) take(last);
      if (broken !== null) return broken;
      const chain = chains.finish();
      if (chain !== null) return { ok: false, rows, kind: 'chain', ...chain };
      const index = indexes.problem(totals);
      return index === null ? { ok: true, rows } : { ok: false, rows, kind: 'index', ...index };
    },
  };
}

type IndexProblem = { readonly firstBadId: number | null; readonly problem: string };

const HAS_REASON = 'SELECT 1 FROM decision_reasons WHERE reason = ? AND time = ? AND decision_id = ?';
const REASON_ROWS = 'SELECT count(*) FROM decision_reasons';
// Only run when there are more reason rows than the decisions account for: the first one that no decision has.
const EXTRA_REASON = `SELECT dr.decision_id, dr.reason FROM decision_reasons dr
LEFT JOIN decisions d ON d.id = dr.decision_id AND d.time = dr.time
WHERE d.id IS NULL OR NOT EXISTS (SELECT 1 FROM decision_images di WHERE di.decision_id = dr.decision_id
  AND instr(',' || di.reasons || ',', ',' || dr.reason || ',') > 0)
ORDER BY dr.decision_id LIMIT 1`;
/** A rollup row as read: its key columns and `n`. */
export interface StoredRollupRow {
  readonly [column: string]: unknown;
}

/**
 * Checks `decision_reasons` row by row as the decisions go by (a primary-key lookup per reason code), and each
 * rollup against counts kept here, compared once the walk is over.
 */
function createIndexCheck(hasReason: (code: string, time: number, id: number) => boolean) {
  const counts = new Map(DECISION_ROLLUPS.map((rollup) => [rollup, new Map<string, Counted>()]));
  let reasonRows = 0;
  let rowProblem: IndexProblem | null = null;
  return {
    add({ row, timeEditedIdx }: Stored): void {
      if (rowProblem === null && timeEditedIdx !== null) {
        rowProblem = {
          firstBadId: row.id,
          problem: `the time of its image ${timeEditedIdx} in decision_images differs from the decision's (audit --image --since would misplace it)`,
        };
      }
      for (const code of new Set(row.images.flatMap((i) => splitReasons(i.reasons)))) {
        reasonRows += 1;
        if (rowProblem === null && !hasReason(code, row.time, row.id)) {
          rowProblem = {
            firstBadId: row.id,
            problem: `its reason '${code}' is missing from decision_reasons (audit --reason would not find it)`,
          };
        }
      }
      for (const [rollup, counted] of counts) countIntoRollup(counted, rollup, row, (key) => ({ key, n: 1, firstId: row.id }));
    },
    reasonRows: () => reasonRows,
    problem(totals: IndexTotals): IndexProblem | null {
      if (rowProblem !== null) return rowProblem;
      const extra = extraReason(totals, reasonRows);
      if (extra !== null) return extra;
      const found = [...counts].flatMap(([rollup, counted]) => countProblems(rollup, totals.rollupRows(rollup), counted));
      // The earliest decision concerned first; on a tie, the rollups in their order (a stable sort).
      found.sort((a, b) => (a.firstBadId ?? Infinity) - (b.firstBadId ?? Infinity));
      return found[0] ?? null;
    },
  };
}

function extraReason(totals: IndexTotals, expected: number): IndexProblem | null {
  const stored = totals.storedReasonRows;
  if (stored === expected) return null;
  const extra = totals.extraReason();
  const what = extra === undefined ? 'a row' : `'${extra.reason}' for decision ${extra.decision_id}`;
  return {
    firstBadId: extra?.decision_id ?? null,
    problem: `decision_reasons holds ${what} that no decision has (${stored} rows where the decisions give ${expected})`,
  };
}

interface Counted extends RollupGroup {
  readonly firstId: number;
}

function countProblems(rollup: DecisionRollup, rows: Iterable<StoredRollupRow>, counted: Map<string, Counted>): IndexProblem[] {
  const found: IndexProblem[] = [];
  const unmatched = new Map(counted);
  for (const row of rows) {
    const key = rollup.columns.map((column) => keyPart(row[column]));
    const text = JSON.stringify(key);
    const group = unmatched.get(text);
    unmatched.delete(text);
    const stored = typeof row.n === 'number' ? row.n : Number.NaN;
    // PostgreSQL's delete triggers leave a group at 0 rather than removing it.
    if ((group?.n ?? 0) === stored) continue;
    found.push(countMismatch(rollup, key, stored, group));
  }
  for (const group of unmatched.values()) found.push(countMismatch(rollup, group.key, 0, group));
  return found;
}

/** A key column as the walk computes it: text or an integer (a hand-edited value of another type never matches). */
function keyPart(value: unknown): string | number {
  return typeof value === 'number' || typeof value === 'string' ? value : String(value);
}

function countMismatch(rollup: DecisionRollup, key: RollupKey, stored: number, group: Counted | undefined): IndexProblem {
  return {
    firstBadId: group?.firstId ?? null,
    problem: `${rollup.table} gives ${stored} where the decisions give ${group?.n ?? 0} for ${rollup.describe(key)} (${rollup.falsifies} would be wrong)`,
  };
}

/** Groups the joined rows (one per image, or one with null image columns) into decisions, across batches. */
function createGrouping() {
  let current: { first: WalkRow; images: ChainImage[]; timeEditedIdx: number | null } | null = null;
  const close = (): Stored | null => {
    const done = current === null ? null : toStored(current.first, current.images, current.timeEditedIdx);
    current = null;
    return done;
  };
  return {
    /** The decision completed by this row (the previous one), or null. */
    add(row: WalkRow): Stored | null {
      const done = current !== null && current.first.id !== row.id ? close() : null;
      current ??= { first: row, images: [], timeEditedIdx: null };
      if (row.idx !== null) {
        current.images.push(toChainImage(row));
        // `decision_images.time` repeats the decision's time for `audit --image` (not hashed): it must stay equal.
        if (current.timeEditedIdx === null && row.image_time !== row.time) current.timeEditedIdx = row.idx;
      }
      return done;
    },
    end: close,
  };
}

function toChainImage(row: WalkRow): ChainImage {
  return {
    // A missing image_refs row reads as null and so fails the hash, as it should.
    image: row.image ?? '\u0000missing',
    repository: row.repository,
    digest: row.digest,
    allowed: row.image_allowed ?? -1,
    reasons: row.reasons ?? '',
    unchanged: row.unchanged ?? 0,
    // Text as written, or null; any other value (edited by hand) cannot equal what was hashed.
    // An engine whose schema has no such column yet (PostgreSQL has no audit writer) reads as none.
    signature: row.signature === null || row.signature === undefined ? null : typeof row.signature === 'string' ? row.signature : '\u0000edited',
  };
}

function toStored(row: WalkRow, images: readonly ChainImage[], timeEditedIdx: number | null): Stored {
  return {
    timeEditedIdx,
    hash: Buffer.isBuffer(row.hash) ? row.hash : Buffer.alloc(0),
    chainId: row.chain_id,
    seq: row.seq,
    row: { ...decisionFields(row), images },
  };
}
