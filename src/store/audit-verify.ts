import type Database from 'better-sqlite3';
import { type ChainImage, type ChainRow, GENESIS_HASH, chainHash } from './audit-hash';
import { type DecisionRow, decisionFields, splitReasons } from './audit-rows';
import { HOUR_MS } from './audit-stats';

// `audit verify` (SPEC §6, §7): walks every decision in id order, recomputing the hash chain with the
// writer's own canonical form (audit-hash.ts). The writer numbers decisions 1, 2, 3, … so a gap is a
// deleted row, a hash that does not match is an edited row (or an edited image or policy row), and
// `audit_head` names the last decision written, so deleting the newest rows is detected too.
// The same walk checks the two indexes derived from the hashed rows, which the chain itself does not cover:
// `decision_reasons` (a deleted row there would hide a decision from `audit --reason`) and `decision_counts`
// (an edited count would falsify `audit stats`). A broken chain is reported before an edited index.

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

/** A decision joined with one of its images (or none), as both engines read the chain. */
export interface WalkRow extends DecisionRow {
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
  readonly hash: Buffer;
  /** The first image (idx) whose `decision_images.time` is not the decision's own time, or null. */
  readonly timeEditedIdx: number | null;
}

export interface HeadRow {
  readonly decision_id: number;
  readonly hash: unknown;
}

// One statement, rows ordered by the primary keys of decisions and decision_images (no sort), read as a
// stream: memory stays flat however many decisions there are.
const WALK = `SELECT d.id, d.time, d.namespace, d.allowed, d.mode, d.break_glass, d.ticket, d.reason, d.overridden,
       p.hash AS policy_hash, d.user, d.groups, d.latency_us, d.hash,
       di.idx, r.image, r.repository, r.digest, di.allowed AS image_allowed, di.reasons, di.unchanged, di.signature, di.time AS image_time
FROM decisions d
LEFT JOIN policies p ON p.id = d.policy_id
LEFT JOIN decision_images di ON di.decision_id = d.id
LEFT JOIN image_refs r ON r.id = di.image_id
ORDER BY d.id, di.idx`;

const HEAD = 'SELECT decision_id, hash FROM audit_head WHERE id = 1';

export function verifyAuditChain(db: Database.Database): VerifyResult {
  // One read transaction: a consistent snapshot while the server keeps appending.
  return db.transaction((): VerifyResult => {
    const head = db.prepare<[], HeadRow>(HEAD).get();
    const hasReason = db.prepare<[string, number, number], number>(HAS_REASON).pluck();
    const walker = createChainWalker((code, time, id) => hasReason.get(code, time, id) !== undefined);
    walker.push(db.prepare<[], WalkRow>(WALK).iterate());
    return walker.finish(head, {
      storedReasonRows: db.prepare<[], number>(REASON_ROWS).pluck().get() ?? 0,
      extraReason: () => db.prepare<[], ExtraReasonRow>(EXTRA_REASON).get(),
      countRows: () => db.prepare<[], CountRow>(COUNT_ROWS).iterate(),
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
  /** Read only when the walk got that far (an unfinished SQLite iterator would keep the connection busy). */
  readonly countRows: () => Iterable<CountRow>;
}

/**
 * The chain walk, fed rows in (decision id, image idx) order, in as many batches as the engine reads (SQLite one
 * stream, PostgreSQL cursor batches). Pure but for `hasReason`, the engine's look-up in `decision_reasons`.
 */
export interface ChainWalker {
  /** Feeds rows; false once the chain is broken (feeding more changes nothing). */
  push(rows: Iterable<WalkRow>): boolean;
  /** Reason rows the decisions walked so far account for. */
  reasonRows(): number;
  finish(head: HeadRow | undefined, totals: IndexTotals): VerifyResult;
}

export function createChainWalker(hasReason: (code: string, time: number, id: number) => boolean): ChainWalker {
  const indexes = createIndexCheck(hasReason);
  const grouping = createGrouping();
  let previous: { id: number; hash: Buffer } = { id: 0, hash: GENESIS_HASH };
  let rows = 0;
  let broken: VerifyResult | null = null;
  const take = (stored: Stored): void => {
    if (broken !== null) return;
    const problem = linkProblem(previous, stored);
    if (problem !== null) {
      broken = { ok: false, rows, kind: 'chain', ...problem };
      return;
    }
    indexes.add(stored);
    previous = { id: stored.row.id, hash: stored.hash };
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
    finish: (head, totals) => {
      const last = grouping.end();
      if (last !== null) take(last);
      if (broken !== null) return broken;
      const chain = headProblem(head, previous);
      if (chain !== null) return { ok: false, rows, kind: 'chain', ...chain };
      const index = indexes.problem(totals);
      return index === null ? { ok: true, rows } : { ok: false, rows, kind: 'index', ...index };
    },
  };
}

const EDITED = 'its hash does not match its contents (the decision, its images or its policy were edited)';

type Problem = { readonly firstBadId: number; readonly problem: string };
type IndexProblem = { readonly firstBadId: number | null; readonly problem: string };

const HAS_REASON = 'SELECT 1 FROM decision_reasons WHERE reason = ? AND time = ? AND decision_id = ?';
const REASON_ROWS = 'SELECT count(*) FROM decision_reasons';
// Only run when there are more reason rows than the decisions account for: the first one that no decision has.
const EXTRA_REASON = `SELECT dr.decision_id, dr.reason FROM decision_reasons dr
LEFT JOIN decisions d ON d.id = dr.decision_id AND d.time = dr.time
WHERE d.id IS NULL OR NOT EXISTS (SELECT 1 FROM decision_images di WHERE di.decision_id = dr.decision_id
  AND instr(',' || di.reasons || ',', ',' || dr.reason || ',') > 0)
ORDER BY dr.decision_id LIMIT 1`;
const COUNT_ROWS = 'SELECT hour, namespace, mode, allowed, break_glass, n FROM decision_counts';

export interface CountRow {
  readonly hour: number;
  readonly namespace: string;
  readonly mode: string;
  readonly allowed: number;
  readonly break_glass: number;
  readonly n: number;
}

/**
 * Checks `decision_reasons` row by row as the decisions go by (a primary-key lookup per reason code), and
 * `decision_counts` against counts kept here, compared once the walk is over.
 */
function createIndexCheck(hasReason: (code: string, time: number, id: number) => boolean) {
  const counts = new Map<string, { n: number; firstId: number }>();
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
      const key = countKey(Math.floor(row.time / HOUR_MS), row.namespace, row.mode, row.allowed, row.breakGlass);
      const group = counts.get(key);
      if (group === undefined) counts.set(key, { n: 1, firstId: row.id });
      else group.n += 1;
    },
    reasonRows: () => reasonRows,
    problem(totals: IndexTotals): IndexProblem | null {
      return rowProblem ?? extraReason(totals, reasonRows) ?? countProblem(totals.countRows(), counts);
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

function countProblem(rows: Iterable<CountRow>, counts: Map<string, { n: number; firstId: number }>): IndexProblem | null {
  const found: IndexProblem[] = [];
  for (const row of rows) {
    const key = countKey(row.hour, row.namespace, row.mode, row.allowed, row.break_glass);
    const group = counts.get(key);
    counts.delete(key);
    // The delete trigger leaves a group at 0 rather than removing it.
    if ((group?.n ?? 0) === row.n) continue;
    found.push(countMismatch(row, row.n, group));
  }
  for (const [key, group] of counts) {
    const [hour, namespace, mode, allowed, breakGlass] = JSON.parse(key) as [number, string, string, number, number];
    found.push(countMismatch({ hour, namespace, mode, allowed, break_glass: breakGlass }, 0, group));
  }
  found.sort((a, b) => (a.firstBadId ?? Infinity) - (b.firstBadId ?? Infinity));
  return found[0] ?? null;
}

function countMismatch(row: Omit<CountRow, 'n'>, stored: number, group: { n: number; firstId: number } | undefined): IndexProblem {
  const hour = new Date(row.hour * HOUR_MS).toISOString().slice(0, 13);
  const what = `namespace ${JSON.stringify(row.namespace)}, ${row.mode}, allowed=${row.allowed}, break-glass=${row.break_glass}, hour ${hour}:00Z`;
  return {
    firstBadId: group?.firstId ?? null,
    problem: `decision_counts gives ${stored} where the decisions give ${group?.n ?? 0} for ${what} (audit stats would be wrong)`,
  };
}

function countKey(hour: number, namespace: string, mode: string, allowed: number, breakGlass: number): string {
  return JSON.stringify([hour, namespace, mode, allowed, breakGlass]);
}

function linkProblem(previous: { id: number; hash: Buffer }, stored: Stored): Problem | null {
  const id = stored.row.id;
  if (id !== previous.id + 1) {
    return { firstBadId: previous.id + 1, problem: `${missing(previous.id + 1, id - 1)} before decision ${id}` };
  }
  if (!chainHash(previous.hash, stored.row).equals(stored.hash)) {
    return { firstBadId: id, problem: EDITED };
  }
  return null;
}

function headProblem(head: HeadRow | undefined, last: { id: number; hash: Buffer }): Problem | null {
  if (head === undefined) {
    if (last.id === 0) return null;
    return { firstBadId: last.id, problem: 'the audit head is missing (audit_head was edited)' };
  }
  if (head.decision_id > last.id) {
    const problem = `${missing(last.id + 1, head.decision_id)} (the audit head records decision ${head.decision_id})`;
    return { firstBadId: last.id + 1, problem };
  }
  if (head.decision_id < last.id) {
    const problem = `it was added after the audit head (decision ${head.decision_id})`;
    return { firstBadId: head.decision_id + 1, problem };
  }
  if (!sameHash(head.hash, last.hash)) {
    return { firstBadId: last.id, problem: 'its hash does not match the audit head (audit_head was edited)' };
  }
  return null;
}

function sameHash(stored: unknown, expected: Buffer): boolean {
  return Buffer.isBuffer(stored) && stored.equals(expected);
}

function missing(from: number, to: number): string {
  return from === to ? `decision ${from} is missing (deleted)` : `decisions ${from}–${to} are missing (deleted)`;
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
    row: { ...decisionFields(row), images },
  };
}
