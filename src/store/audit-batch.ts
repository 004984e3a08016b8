import type Database from 'better-sqlite3';
import { type ChainImage, type ChainRow, chainHash, wellFormed } from './audit-hash';
import { StoreError } from '../errors';
import { DECISION_ROLLUPS, type RollupGroup, countIntoRollup } from './decision-rollups';
import type { DecisionImage, DecisionRecord } from './decision-record';
import { type WriterIdentity, chainGenesis, chainName } from './writer-identity';
import { encodeDecisionSignature } from './decision-signature';

/** The chain's head does not continue the stored chain: nothing is recorded (the review answers 500). */
export class ChainHeadError extends StoreError {}

// Writes one group commit: every decision of the batch in one IMMEDIATE transaction, appended to this writer's own
// hash chain (SPEC §6; migration 0008, writer-identity.ts) and counted into the rollups (migration 0010). Policy
// hashes and image strings are interned so a decision costs few bytes (SPEC §11); their ids are cached, but only once
// the transaction that made them committed.
// The head is never rebuilt: a chain head that is missing after this writer recorded decisions, one that does not
// name the chain's newest entry, or one behind what this writer already committed is a truncation or an edit, and
// every commit is refused until an operator looks (SPEC §6: "a missing or mismatched head is never rebuilt silently").

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

export interface ChainHeadRow {
  readonly id: number;
  readonly count: number;
  readonly hash: Buffer;
}

/** A chain's newest entry. */
export interface LastEntryRow {
  readonly id: number;
  readonly seq: number;
  readonly hash: Buffer;
}

export const CHAIN_SQL = "SELECT id, count, hash FROM audit_chains WHERE ifnull(cluster, '') = ? AND writer = ?";
// Served by the partial index decisions_chain_seq.
export const CHAIN_LAST_SQL = 'SELECT id, seq, hash FROM decisions WHERE chain_id = ? AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1';

export function createBatchWriter(db: Database.Database, identity: WriterIdentity): BatchWriter {
  const s = prepare(db);
  const name = chainName(identity);
  const chainKey = [identity.cluster ?? '', identity.writer] as const;

  /** This writer's chain, checked; created on its first commit. */
  const openChain = (committedUpTo: number): { id: number; count: number; hash: Buffer } => {
    const head = s.chain.get(...chainKey);
    if (head === undefined) {
      if (committedUpTo > 0) throw headError(`the audit chain ${name} has no head, but this server recorded decisions up to ${committedUpTo}`);
      // A new chain, or this writer's head deleted while it was stopped: refused when any chain's entries lack a head.
      const orphan = headlessChain(s);
      if (orphan !== null) throw headError(`decisions of audit chain ${orphan} are in the store but its head is missing`);
      const genesis = chainGenesis(identity);
      const id = Number(s.newChain.run(identity.writer, identity.cluster, genesis).lastInsertRowid);
      return { id, count: 0, hash: genesis };
    }
    return { id: head.id, ...checkedHead(name, head, s.chainLast.get(head.id), committedUpTo) };
  };

  const policyIds = new Map<string, number>();
  const imageIds = new Map<string, number>();

  const run = db.transaction((records: readonly DecisionRecord[], committedUpTo: number, staged: Map<string, number>): number[] => {
    const chain = openChain(committedUpTo);
    let { count, hash } = chain;
    let id = s.lastId.get() ?? 0;
    const ids: number[] = [];
    const rows: ChainRow[] = [];
    for (const record of records) {
      id += 1;
      count += 1;
      const row = chainRow(id, record);
      rows.push(row);
      hash = chainHash(hash, row);
      const policyId = intern(staged, policyIds, `p:${row.policyHash}`, () => policyIdFor(s, record));
      s.decision.run(id, row.time, row.namespace, row.allowed, row.mode, row.breakGlass, row.ticket, row.reason,
        row.overridden, policyId, row.user, row.groups, row.latencyUs, hash, chain.id, count);
      row.images.forEach((image, idx) => {
        const key = `i:${JSON.stringify([image.image, image.repository, image.digest])}`;
        const imageId = intern(staged, imageIds, key, () => imageIdFor(s, image));
        s.image.run(id, idx, imageId, image.allowed, image.reasons, row.time, image.unchanged, image.signature);
      });
      for (const code of new Set(record.images.flatMap((i) => i.reasons))) s.reason.run(code, row.time, id);
      ids.push(id);
    }
    addToRollups(s, rows);
    s.setHead.run(count, hash, chain.id);
    return ids;
  });

  // Rewrites one row with its own value: a real commit that changes nothing, so readiness learns whether
  // the store is writable now, not only whether the last batch was.
  const probe = db.transaction((committedUpTo: number): void => {
    openChain(committedUpTo);
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
 * Where a writer's chain continues: its head, which must name the chain's newest entry with its hash, and must not be
 * behind the newest id this writer committed (`committedUpTo`, 0 before its first).
 */
export function checkedHead(name: string, head: ChainHeadRow, last: LastEntryRow | undefined, committedUpTo: number): { count: number; hash: Buffer } {
  const lastCount = last?.seq ?? 0;
  if (lastCount !== head.count || (last !== undefined && !last.hash.equals(head.hash))) {
    const newest = last === undefined ? 'no entry' : `entry ${last.seq} (decision ${last.id})`;
    throw headError(`the head of the audit chain ${name} records ${head.count} entries but its newest is ${newest} (or its hash differs)`);
  }
  if ((last?.id ?? 0) < committedUpTo) {
    const newest = last === undefined ? 'no decision' : `decision ${last.id}`;
    throw headError(`the audit chain ${name} ends at ${newest}, but this server recorded decisions up to ${committedUpTo}`);
  }
  return { count: head.count, hash: head.hash };
}

/**
 * The first chain id that decisions name but `audit_chains` lacks, or null. One index seek per chain (the chains are
 * few, the decisions many), run only when a writer starts a chain.
 */
function headlessChain(s: Statements): number | null {
  let after = 0;
  for (;;) {
    const next = s.nextChainId.get(after);
    if (next === null || next === undefined) return null;
    if (s.chainExists.get(next) === undefined) return next;
    after = next;
  }
}

export function headError(what: string): ChainHeadError {
  return new ChainHeadError(`${what}: decisions were deleted or the head was edited; refusing to record until an operator checks the store (audit verify)`);
}

export function chainRow(id: number, r: DecisionRecord): ChainRow {
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

/**
 * Adds the batch's decisions to the rollups: one upsert per rollup row the batch touches (a commit's decisions mostly
 * share their hour, namespace and outcome), where insert triggers ran one per decision and rollup.
 */
function addToRollups(s: Statements, rows: readonly ChainRow[]): void {
  DECISION_ROLLUPS.forEach((rollup, i) => {
    const groups = new Map<string, RollupGroup>();
    for (const row of rows) countIntoRollup(groups, rollup, row, (key) => ({ key, n: 1 }));
    const upsert = s.rollups[i]!;
    for (const { key, n } of groups.values()) upsert.run(...key, n);
  });
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
    chain: db.prepare<[string, string], ChainHeadRow>(CHAIN_SQL),
    chainLast: db.prepare<[number], LastEntryRow>(CHAIN_LAST_SQL),
    nextChainId: db.prepare<[number], number | null>('SELECT min(chain_id) FROM decisions WHERE seq IS NOT NULL AND chain_id > ?').pluck(),
    chainExists: db.prepare<[number], number>('SELECT 1 FROM audit_chains WHERE id = ?').pluck(),
    newChain: db.prepare<[string, string | null, Buffer]>('INSERT INTO audit_chains (writer, cluster, count, hash) VALUES (?, ?, 0, ?)'),
    // Ids are unique across every chain: one after the newest decision of any.
    lastId: db.prepare<[], number>('SELECT max(id) FROM decisions').pluck(),
    setHead: db.prepare<[number, Buffer, number]>('UPDATE audit_chains SET count = ?, hash = ? WHERE id = ?'),
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
                              user, groups, latency_us, hash, chain_id, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    image: db.prepare<[number, number, number, number, string, number, number, string | null]>(
      `INSERT INTO decision_images (decision_id, idx, image_id, allowed, reasons, time, unchanged, signature)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    reason: db.prepare<[string, number, number]>(
      'INSERT INTO decision_reasons (reason, time, decision_id) VALUES (?, ?, ?)',
    ),
    rollups: DECISION_ROLLUPS.map(({ table, columns }) =>
      db.prepare<(string | number)[]>(
        `INSERT INTO ${table} (${columns.join(', ')}, n) VALUES (${columns.map(() => '?').join(', ')}, ?)
         ON CONFLICT (${columns.join(', ')}) DO UPDATE SET n = n + excluded.n`,
      ),
    ),
  };
}
