import type Database from 'better-sqlite3';
import { type ChainImage, type ChainRow, GENESIS_HASH, chainHash } from './audit-hash';
import { type DecisionRow, decisionFields } from './audit-rows';

// `audit verify` (SPEC §6, §7): walks every decision in id order, recomputing the hash chain with the
// writer's own canonical form (audit-hash.ts). The writer numbers decisions 1, 2, 3, … so a gap is a
// deleted row, a hash that does not match is an edited row (or an edited image or policy row), and
// `audit_head` names the last decision written, so deleting the newest rows is detected too.

export type VerifyResult =
  | { readonly ok: true; readonly rows: number }
  | { readonly ok: false; readonly rows: number; readonly firstBadId: number; readonly problem: string };

interface WalkRow extends DecisionRow {
  /** A BLOB as written; anything else (a hand-edited value) fails the comparison. */
  readonly hash: unknown;
  readonly idx: number | null;
  readonly image: string | null;
  readonly repository: string | null;
  readonly digest: string | null;
  readonly image_allowed: number | null;
  readonly reasons: string | null;
}

interface Stored {
  readonly row: ChainRow;
  readonly hash: Buffer;
}

interface HeadRow {
  readonly decision_id: number;
  readonly hash: unknown;
}

// One statement, rows ordered by the primary keys of decisions and decision_images (no sort), read as a
// stream: memory stays flat however many decisions there are.
const WALK = `SELECT d.id, d.time, d.namespace, d.allowed, d.mode, d.break_glass, d.ticket, d.reason, d.overridden,
       p.hash AS policy_hash, d.user, d.latency_us, d.hash,
       di.idx, r.image, r.repository, r.digest, di.allowed AS image_allowed, di.reasons
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
    let previous: { id: number; hash: Buffer } = { id: 0, hash: GENESIS_HASH };
    let rows = 0;
    for (const stored of decisionsOf(db.prepare<[], WalkRow>(WALK).iterate())) {
      const problem = linkProblem(previous, stored);
      if (problem !== null) return { ok: false, rows, ...problem };
      previous = { id: stored.row.id, hash: stored.hash };
      rows += 1;
    }
    const problem = headProblem(head, previous);
    return problem === null ? { ok: true, rows } : { ok: false, rows, ...problem };
  })();
}

const EDITED = 'its hash does not match its contents (the decision, its images or its policy were edited)';

type Problem = { readonly firstBadId: number; readonly problem: string };

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

/** Groups the joined rows (one per image, or one with null image columns) into decisions. */
function* decisionsOf(rows: Iterable<WalkRow>): Generator<Stored> {
  let current: { first: WalkRow; images: ChainImage[] } | null = null;
  for (const row of rows) {
    if (current !== null && current.first.id !== row.id) {
      yield toStored(current.first, current.images);
      current = null;
    }
    current ??= { first: row, images: [] };
    if (row.idx !== null) current.images.push(toChainImage(row));
  }
  if (current !== null) yield toStored(current.first, current.images);
}

function toChainImage(row: WalkRow): ChainImage {
  return {
    // A missing image_refs row reads as null and so fails the hash, as it should.
    image: row.image ?? '\u0000missing',
    repository: row.repository,
    digest: row.digest,
    allowed: row.image_allowed ?? -1,
    reasons: row.reasons ?? '',
  };
}

function toStored(row: WalkRow, images: readonly ChainImage[]): Stored {
  return {
    hash: Buffer.isBuffer(row.hash) ? row.hash : Buffer.alloc(0),
    row: { ...decisionFields(row), images },
  };
}
