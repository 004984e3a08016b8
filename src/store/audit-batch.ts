import type Database from 'better-sqlite3';
import { type ChainImage, type ChainRow, GENESIS_HASH, chainHash, wellFormed } from './audit-hash';
import { StoreError } from '../errors';
import type { DecisionImage, DecisionRecord } from './decision-record';
import { encodeDecisionSignature } from './decision-signature';

/** The chain's head does not continue the stored chain: nothing is recorded (the review answers 500). */
export class ChainHeadError extends StoreError {}

// Writes one group commit: every decision of the batch in one IMMEDIATE transaction, chained to the
// head of the hash chain (SPEC §6). Policy hashes and image strings are interned so a decision costs
// few bytes (SPEC §11); their ids are cached, but only once the transaction that made them committed.
// The head is never rebuilt: a missing `audit_head`, one that does not name the newest decision, or one
// behind what this writer already committed is a truncation or an edit, and every commit is refused
// until an operator looks (SPEC §6: "a missing or mismatched head is never rebuilt silently").

export interface BatchWriter {
  /**
   * Commits the batch and returns its ids. `committedUpTo` is the newest id this writer has committed
   * (0 before its first): a store whose head is behind it lost decisions, and ids must not be reused.
   */
  write(records: readonly DecisionRecord[], committedUpTo: number): readonly number[];
  /** Checks the head as `write` does and commits nothing, as a real transaction (a WAL append and fsync). */
  probe(committedUpTo: number): void;
}

/** Interned ids kept in memory; beyond this the oldest are forgotten (and looked up again when needed). */
const MAX_CACHED_IMAGES = 50_000;

export const HEAD_SQL = 'SELECT decision_id, hash FROM audit_head WHERE id = 1';
export const LAST_SQL = 'SELECT id, hash FROM decisions ORDER BY id DESC LIMIT 1';

export interface HeadRow {
  readonly decision_id: number;
  readonly hash: Buffer;
}

export interface LastRow {
  readonly id: number;
  readonly hash: Buffer;
}

export function createBatchWriter(db: Database.Database): BatchWriter {
  const s = prepare(db);
  const policyIds = new Map<string, number>();
  const imageIds = new Map<string, number>();

  const run = db.transaction((records: readonly DecisionRecord[], committedUpTo: number, staged: Map<string, number>): number[] => {
    let { id, hash } = chainHead(s.head.get(), s.last.get(), committedUpTo);
    const ids: number[] = [];
    for (const record of records) {
      id += 1;
      const row = chainRow(id, record);
      hash = chainHash(hash, row);
      const policyId = intern(staged, policyIds, `p:${row.policyHash}`, () => policyIdFor(s, record));
      s.decision.run(id, row.time, row.namespace, row.allowed, row.mode, row.breakGlass, row.ticket, row.reason,
        row.overridden, policyId, row.user, row.groups, row.latencyUs, hash);
      row.images.forEach((image, idx) => {
        const key = `i:${JSON.stringify([image.image, image.repository, image.digest])}`;
        const imageId = intern(staged, imageIds, key, () => imageIdFor(s, image));
        s.image.run(id, idx, imageId, image.allowed, image.reasons, row.time, image.unchanged, image.signature);
      });
      for (const code of new Set(record.images.flatMap((i) => i.reasons))) s.reason.run(code, row.time, id);
      ids.push(id);
    }
    s.setHead.run(id, hash);
    return ids;
  });

  // Rewrites one row with its own value: a real commit that changes nothing, so readiness learns whether
  // the store is writable now, not only whether the last batch was.
  const probe = db.transaction((committedUpTo: number): void => {
    chainHead(s.head.get(), s.last.get(), committedUpTo);
    s.touch.run();
  });

  const write = (records: readonly DecisionRecord[], committedUpTo: number): readonly number[] => {
    const staged = new Map<string, number>();
    let ids: readonly number[];
    try {
      ids = run.immediate(records, committedUpTo, staged);
    } catch (err) {
      // The transaction rolled back; a cached id may be the cause (an interned row removed by hand).
      policyIds.clear();
      imageIds.clear();
      throw err;
    }
    for (const [key, value] of staged) {
      (key.startsWith('p:') ? policyIds : imageIds).set(key, value);
    }
    while (imageIds.size > MAX_CACHED_IMAGES) imageIds.delete(imageIds.keys().next().value ?? '');
    return ids;
  };
  return { write, probe: (committedUpTo) => probe.immediate(committedUpTo) };
}

/**
 * Where the chain continues: the head, which must name the newest decision with its hash. Ids are assigned
 * here, one after the head, so that a deleted row shows as a gap in `audit verify`.
 */
export function chainHead(head: HeadRow | undefined, last: LastRow | undefined, committedUpTo: number): { id: number; hash: Buffer } {
  if (head === undefined) {
    if (last !== undefined) throw headError(`audit_head is missing while the store holds decisions up to ${last.id}`);
    if (committedUpTo > 0) throw headError(`the store holds no decisions, but this server recorded decisions up to ${committedUpTo}`);
    return { id: 0, hash: GENESIS_HASH };
  }
  if (last === undefined || last.id !== head.decision_id || !last.hash.equals(head.hash)) {
    const newest = last === undefined ? 'no decision' : `decision ${last.id}`;
    throw headError(`audit_head names decision ${head.decision_id} but the newest row is ${newest} (or its hash differs)`);
  }
  if (head.decision_id < committedUpTo) {
    throw headError(`audit_head names decision ${head.decision_id}, but this server recorded decisions up to ${committedUpTo}`);
  }
  return { id: head.decision_id, hash: head.hash };
}

function headError(what: string): ChainHeadError {
  return new ChainHeadError(`${what}: decisions were deleted or the head was edited; refusing to record until an operator checks the store (audit verify)`);
}

function chainRow(id: number, r: DecisionRecord): ChainRow {
  return {
    id,
    time: Math.trunc(r.time),
    namespace: wellFormed(r.namespace),
    allowed: r.allowed ? 1 : 0,
    mode: r.mode,
    breakGlass: r.breakGlass ? 1 : 0,
    ticket: r.ticket === null ? null : wellFormed(r.ticket),
    reason: wellFormed(r.reason),
    overridden: r.overridden === null ? null : wellFormed(r.overridden),
    policyHash: wellFormed(r.policyHash),
    user: r.user === null ? null : wellFormed(r.user),
    groups: r.groups === undefined || r.groups === null ? null : JSON.stringify(r.groups.map(wellFormed)),
    latencyUs: Math.round(r.latencyUs),
    images: r.images.map(chainImage),
  };
}

function chainImage(i: DecisionImage): ChainImage {
  return {
    image: wellFormed(i.image),
    repository: i.repository === null ? null : wellFormed(i.repository),
    digest: i.digest === null ? null : wellFormed(i.digest),
    allowed: i.allowed ? 1 : 0,
    reasons: i.reasons.join(','),
    unchanged: i.unchanged === true ? 1 : 0,
    signature: i.signature === undefined || i.signature === null ? null : encodeDecisionSignature(i.signature),
  };
}

function intern(staged: Map<string, number>, cache: Map<string, number>, key: string, lookup: () => number): number {
  const known = cache.get(key) ?? staged.get(key);
  if (known !== undefined) return known;
  const id = lookup();
  staged.set(key, id);
  return id;
}

function policyIdFor(s: Statements, record: DecisionRecord): number {
  const hash = wellFormed(record.policyHash);
  const found = s.findPolicy.get(hash);
  if (found !== undefined) return found.id;
  return Number(s.insertPolicy.run(hash, wellFormed(record.policySource), Math.trunc(record.time)).lastInsertRowid);
}

function imageIdFor(s: Statements, image: ChainImage): number {
  const found = s.findImage.get(image.image, image.repository ?? '', image.digest ?? '');
  if (found !== undefined) return found.id;
  return Number(s.insertImage.run(image.image, image.repository, image.digest).lastInsertRowid);
}

type Statements = ReturnType<typeof prepare>;

function prepare(db: Database.Database) {
  return {
    head: db.prepare<[], HeadRow>(HEAD_SQL),
    last: db.prepare<[], LastRow>(LAST_SQL),
    setHead: db.prepare<[number, Buffer]>(
      `INSERT INTO audit_head (id, decision_id, hash) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET decision_id = excluded.decision_id, hash = excluded.hash`,
    ),
    touch: db.prepare("UPDATE meta SET value = value WHERE key = 'facts_generation'"),
    findPolicy: db.prepare<[string], { id: number }>('SELECT id FROM policies WHERE hash = ?'),
    insertPolicy: db.prepare<[string, string, number]>(
      'INSERT INTO policies (hash, source, first_used) VALUES (?, ?, ?)',
    ),
    // The expressions match the unique index image_refs_key, so this is an index look-up.
    findImage: db.prepare<[string, string, string], { id: number }>(
      "SELECT id FROM image_refs WHERE image = ? AND ifnull(repository, '') = ? AND ifnull(digest, '') = ?",
    ),
    insertImage: db.prepare<[string, string | null, string | null]>(
      'INSERT INTO image_refs (image, repository, digest) VALUES (?, ?, ?)',
    ),
    decision: db.prepare(
      `INSERT INTO decisions (id, time, namespace, allowed, mode, break_glass, ticket, reason, overridden, policy_id,
                              user, groups, latency_us, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    image: db.prepare<[number, number, number, number, string, number, number, string | null]>(
      `INSERT INTO decision_images (decision_id, idx, image_id, allowed, reasons, time, unchanged, signature)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    reason: db.prepare<[string, number, number]>(
      'INSERT INTO decision_reasons (reason, time, decision_id) VALUES (?, ?, ?)',
    ),
  };
}
