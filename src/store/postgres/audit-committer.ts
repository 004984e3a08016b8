import type { PoolClient } from 'pg';
import { StoreError } from '../../errors';
import { type ChainImage, type ChainRow, chainHash } from '../audit-hash';
import { type ChainHeadRow, chainRow, checkedHead, headError } from '../audit-batch';
import type { AuditCommitter } from '../audit-log';
import type { DecisionRecord } from '../decision-record';
import { type WriterIdentity, chainGenesis, chainName } from '../writer-identity';
import { type PostgresPool, queryRows } from './postgres-pool';

// The commit step of the one audit writer (../audit-log.ts: group commit) on PostgreSQL, where several `serve`
// replicas share the store (SPEC §6, §12). A batch is one statement, so one round trip and one transaction: it appends
// the batch's rows to this writer's own chain and moves the chain's head (`audit_chains`) only when the stored head,
// and the chain's newest entry, are still what this writer's last commit left; otherwise it changes nothing, and the
// batch is written the careful way: a transaction that locks the head (`SELECT … FOR UPDATE`), checks it as SQLite's
// batch writer does (checkedHead: a head that does not name its chain's newest entry is refused, never rebuilt), and
// then runs the same statement. The careful way is also taken for a writer's first batch, and for a batch with a
// policy or an image reference not yet interned (their ids are learnt inside it). Replicas lock only their own head,
// so they commit side by side. Decision ids come from the identity sequence of `decisions` (migration 0004), unique
// across replicas. The one-statement way uses ids its previous statement took ahead: above every id of the chain, since
// the chain is then as that statement left it; the careful way takes fresh ones under the lock (and drops those taken
// ahead: ids have gaps). So a chain's ids grow, which checkedHead relies on. A batch's promise resolves once PostgreSQL
// has committed it durably (synchronous_commit), and only then are its reviews answered.

// This writer's head, locked; then, in a statement of its own, its chain's newest entry to check the head against and
// ids for the batch. Not one statement: when the lock was waited for (another process under this name held it), the
// head row is read as that process committed it, but the rest of the statement would still see the decisions as they
// were when it started, and its ids would have been taken before the other process's, to land below them in the chain.
const CHAIN = "SELECT id, count, hash FROM audit_chains WHERE coalesce(cluster, '') = $1 AND writer = $2 FOR UPDATE";
const AFTER_LOCK = `SELECT l.id, l.seq, l.hash, ARRAY(SELECT nextval(pg_get_serial_sequence('decisions', 'id')) FROM generate_series(1, $2::int)) AS ids
FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT id, seq, hash FROM decisions WHERE chain_id = $1 AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1) l ON true`;
const HEADLESS = 'SELECT DISTINCT d.chain_id FROM decisions d LEFT JOIN audit_chains c ON c.id = d.chain_id WHERE c.id IS NULL LIMIT 1';
/** Image references interned this many at most in memory (their ids never change). */
const MAX_KNOWN_REFS = 10_000;
/** Decision ids taken ahead: at least this many, or twice the last batch. */
const SPARE_IDS = 64;

/** The chain's newest entry (all null when it has none) and the batch's ids. */
interface AfterLock {
  readonly id: number | null;
  readonly seq: number | null;
  readonly hash: Buffer | null;
  readonly ids: readonly (number | string)[];
}

/** Where this writer's chain ends: as its last commit left it, or as read under the head's lock. */
interface Head {
  readonly chainId: number;
  readonly count: number;
  readonly hash: Buffer;
  /** The id of the chain's newest entry (0 when it has none). */
  readonly lastId: number;
}

type ImageRef = readonly [string, string | null, string | null];

/** Interned ids learnt by a transaction, kept only once it committed (the row may not exist otherwise). */
interface Interned {
  readonly policies: Map<string, number>;
  readonly refs: Map<string, number>;
}

const NONE_STAGED: Interned = { policies: new Map(), refs: new Map() };

export function postgresAuditCommitter(pool: PostgresPool, identity: WriterIdentity): AuditCommitter {
  const name = chainName(identity);
  const key = [identity.cluster ?? '', identity.writer];
  const policyIds = new Map<string, number>();
  const refIds = new Map<string, number>();
  // The head as this writer's last commit left it (null: unknown, read it under the lock), and ids taken ahead.
  let head: Head | null = null;
  let spareIds: number[] = [];

  /** This writer's chain, locked and checked, with `n` new ids; created on its first commit. */
  const lockChain = async (client: PoolClient, committedUpTo: number, n: number): Promise<{ head: Head; ids: number[] }> => {
    let [locked] = await lockHead(client, key);
    if (locked === undefined) {
      if (committedUpTo > 0) throw headError(`the audit chain ${name} has no head, but this server recorded decisions up to ${committedUpTo}`);
      const [orphan] = await queryRows<{ chain_id: number }>(client, HEADLESS);
      if (orphan !== undefined) throw headError(`decisions of audit chain ${orphan.chain_id} are in the store but its head is missing`);
      // Two processes started with the same name race here: one inserts, then both lock the same row.
      await client.query('INSERT INTO audit_chains (writer, cluster, count, hash) VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING', [
        identity.writer,
        identity.cluster,
        chainGenesis(identity),
      ]);
      [locked] = await lockHead(client, key);
      if (locked === undefined) throw new StoreError(`the audit chain ${name} could not be created`);
    }
    const [after] = (await client.query<AfterLock>({ name: 'image-reviewer-chain-last', text: AFTER_LOCK, values: [locked.id, n] })).rows;
    if (after === undefined) throw new StoreError(`the audit chain ${name} could not be read`);
    const last = after.id === null || after.seq === null || after.hash === null ? undefined : { id: after.id, seq: after.seq, hash: after.hash };
    const ids = after.ids.map(Number);
    if (ids.length !== n) throw new StoreError('the decision id sequence returned too few ids');
    return { head: { chainId: locked.id, ...checkedHead(name, locked, last, committedUpTo), lastId: last?.id ?? 0 }, ids };
  };

  const policyId = (row: ChainRow, staged: Interned): number | undefined => {
    // chainRow always sets it; null only describes a row read back without its policy.
    if (row.policyHash === null) throw new StoreError('a decision to record has no policy hash');
    return policyIds.get(row.policyHash) ?? staged.policies.get(row.policyHash);
  };
  const refId = (ref: ImageRef, staged: Interned): number | undefined => {
    const k = refKey(ref);
    return refIds.get(k) ?? staged.refs.get(k);
  };
  const interned = (row: ChainRow): boolean =>
    policyId(row, NONE_STAGED) !== undefined && row.images.every((image) => refId(imageRef(image), NONE_STAGED) !== undefined);
  const imageRef = (image: ChainImage): ImageRef => [image.image, image.repository, image.digest];

  /** The ids of the batch's policies not yet known, interned: once per policy, whichever replica first used it. */
  const internPolicies = async (client: PoolClient, records: readonly DecisionRecord[], rows: readonly ChainRow[], staged: Interned): Promise<void> => {
    for (const [i, row] of rows.entries()) {
      const hash = row.policyHash;
      if (hash === null || policyId(row, staged) !== undefined) continue;
      await client.query('INSERT INTO policies (hash, source, first_used) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING', [
        hash,
        records[i]?.policySource,
        row.time,
      ]);
      const [found] = await queryRows<{ id: number }>(client, 'SELECT id FROM policies WHERE hash = $1', [hash]);
      if (found === undefined) throw new StoreError(`policy ${hash} could not be recorded`);
      staged.policies.set(hash, found.id);
    }
  };

  /**
   * The ids of these image references, interned on first sight: each distinct (image, repository, digest) once,
   * whichever replica first recorded it, in one order so that two replicas recording the same new images wait for
   * each other rather than deadlock. Known ones come from memory; a new one costs two round trips, once.
   */
  const internRefs = async (client: PoolClient, rows: readonly ChainRow[], staged: Interned): Promise<void> => {
    const unknown = new Map<string, ImageRef>();
    for (const row of rows) {
      for (const ref of row.images.map(imageRef)) if (refId(ref, staged) === undefined) unknown.set(refKey(ref), ref);
    }
    if (unknown.size === 0) return;
    const columns3 = [[...unknown.values()].map((r) => r[0]), [...unknown.values()].map((r) => r[1]), [...unknown.values()].map((r) => r[2])];
    await client.query(
      `INSERT INTO image_refs (image, repository, digest) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ORDER BY 1, 2, 3
       ON CONFLICT (image, coalesce(repository, ''), coalesce(digest, '')) DO NOTHING`,
      columns3,
    );
    const found = await queryRows<{ id: number; image: string; repository: string | null; digest: string | null }>(
      client,
      `SELECT r.id, r.image, r.repository, r.digest FROM image_refs r
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS v (image, repository, digest)
         ON r.image = v.image AND coalesce(r.repository, '') = coalesce(v.repository, '') AND coalesce(r.digest, '') = coalesce(v.digest, '')`,
      columns3,
    );
    for (const row of found) staged.refs.set(refKey([row.image, row.repository, row.digest]), row.id);
    if (found.length !== unknown.size) throw new StoreError('an image reference could not be recorded');
  };

  /**
   * The batch appended after `from` in one statement, which also takes ids ahead; the new head, or null when the
   * stored head is no longer `from` (nothing written). Needs every policy and image reference interned.
   */
  const append = async (client: PoolClient, from: Head, records: readonly DecisionRecord[], rows: readonly ChainRow[], staged: Interned): Promise<Head | null> => {
    let { count, hash } = from;
    const decisions: unknown[][] = [];
    const images: unknown[][] = [];
    const reasons: unknown[][] = [];
    for (const [i, row] of rows.entries()) {
      count += 1;
      hash = chainHash(hash, row);
      decisions.push([row.id, row.time, row.namespace, row.allowed, row.mode, row.breakGlass, row.ticket, row.reason, row.overridden,
        known(policyId(row, staged)), row.user, row.groups, row.latencyUs, hash, from.chainId, count]);
      for (const [idx, image] of row.images.entries()) {
        images.push([row.id, idx, known(refId(imageRef(image), staged)), image.allowed, image.reasons, row.time, image.unchanged, image.signature]);
      }
      for (const code of new Set(records[i]?.images.flatMap((image) => image.reasons))) reasons.push([code, row.time, row.id]);
    }
    const ahead = Math.max(0, Math.max(SPARE_IDS, 2 * rows.length) - (spareIds.length - rows.length));
    const result = await client.query<{ appended: boolean; ids: readonly (number | string)[] }>({
      name: 'image-reviewer-audit-append',
      text: APPEND,
      values: [...columns(decisions, 16), ...columns(images, 8), ...columns(reasons, 3), count, hash, from.chainId, from.count, from.hash, from.lastId, ahead],
    });
    const [outcome] = result.rows;
    // The batch took the first spare ids (written or not, they are not used again).
    spareIds = [...spareIds.slice(rows.length), ...(outcome?.ids ?? []).map(Number)];
    const last = rows.at(-1);
    return outcome?.appended === true && last !== undefined ? { chainId: from.chainId, count, hash, lastId: last.id } : null;
  };

  /** The batch written under the head's lock, checked first (see the top of this file). */
  const writeLocked = async (records: readonly DecisionRecord[], committedUpTo: number): Promise<readonly number[]> => {
    const staged: Interned = { policies: new Map(), refs: new Map() };
    const written = await pool.transaction(async (client) => {
      // Fresh ids, taken under the lock: above every id in the chain, even one another process under this name appended.
      const locked = await lockChain(client, committedUpTo, records.length);
      spareIds = locked.ids;
      const rows = records.map((record, i) => chainRow(known(spareIds[i]), record));
      await internPolicies(client, records, rows, staged);
      await internRefs(client, rows, staged);
      const after = await append(client, locked.head, records, rows, staged);
      if (after === null) throw new StoreError(`the head of the audit chain ${name} changed while locked`);
      return { after, ids: rows.map((row) => row.id) };
    });
    for (const [hash, id] of staged.policies) policyIds.set(hash, id);
    for (const [ref, id] of staged.refs) {
      if (refIds.size >= MAX_KNOWN_REFS) refIds.delete(refIds.keys().next().value ?? ref);
      refIds.set(ref, id);
    }
    head = written.after;
    return written.ids;
  };

  const write = async (records: readonly DecisionRecord[], committedUpTo: number): Promise<readonly number[]> => {
    const from = head;
    head = null;
    try {
      if (from !== null && from.lastId >= committedUpTo && spareIds.length >= records.length) {
        const rows = records.map((record, i) => chainRow(known(spareIds[i]), record));
        if (rows.every(interned)) {
          head = await pool.withClient((client) => append(client, from, records, rows, NONE_STAGED));
          if (head !== null) return rows.map((row) => row.id);
        }
      }
      return await writeLocked(records, committedUpTo);
    } catch (err) {
      spareIds = [];
      throw err;
    }
  };

  return {
    write,
    // Locks and checks this writer's head and commits nothing: whether the store can be written now.
    probe: async (committedUpTo) => void (await pool.transaction((client) => lockChain(client, committedUpTo, 0))),
    close: async () => undefined,
  };
}

/** The head-locking statement and the batch's are prepared once per connection (named), so PostgreSQL parses and plans them once. */
async function lockHead(client: PoolClient, values: readonly unknown[]): Promise<ChainHeadRow[]> {
  return (await client.query<ChainHeadRow>({ name: 'image-reviewer-chain-head', text: CHAIN, values: [...values] })).rows;
}

function refKey(ref: ImageRef): string {
  return `${ref[0]}\u0000${ref[1] ?? ''}\u0000${ref[2] ?? ''}`;
}

function known(id: number | undefined): number {
  if (id === undefined) throw new StoreError('a decision to record lacks an interned id');
  return id;
}

/**
 * A batch in one statement: the head moved from ($31 entries, hash $32, newest entry decision $33) to ($28, $29) only
 * when it still is there and names its chain's newest entry; then the decisions, their images (references already
 * interned) and their reason codes, inserted only when the head moved. Returns whether it did, and $34 ids taken
 * ahead. Data-modifying CTEs run as one statement, so the rollup triggers see every row of it when they fire at its
 * end; in autocommit it is its own transaction, committed (durably) before the answer arrives.
 */
const APPEND = `WITH
  head AS (UPDATE audit_chains SET count = $28, hash = $29
           WHERE id = $30 AND count = $31 AND hash = $32
             AND NOT EXISTS (SELECT 1 FROM decisions WHERE chain_id = $30 AND seq > $31)
             AND ($31 = 0 OR EXISTS (SELECT 1 FROM decisions WHERE chain_id = $30 AND seq = $31 AND id = $33 AND hash = $32))
           RETURNING id),
  d AS (INSERT INTO decisions (id, time, namespace, allowed, mode, break_glass, ticket, reason, overridden, policy_id, "user", groups, latency_us, hash, chain_id, seq)
        SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::smallint[], $5::text[], $6::smallint[], $7::text[], $8::text[], $9::text[],
                             $10::bigint[], $11::text[], $12::text[], $13::bigint[], $14::bytea[], $15::bigint[], $16::bigint[])
        WHERE EXISTS (SELECT 1 FROM head)),
  i AS (INSERT INTO decision_images (decision_id, idx, image_id, allowed, reasons, time, unchanged, signature)
        SELECT * FROM unnest($17::bigint[], $18::int[], $19::bigint[], $20::smallint[], $21::text[], $22::bigint[], $23::smallint[], $24::text[])
        WHERE EXISTS (SELECT 1 FROM head)),
  r AS (INSERT INTO decision_reasons (reason, time, decision_id) SELECT * FROM unnest($25::text[], $26::bigint[], $27::bigint[])
        WHERE EXISTS (SELECT 1 FROM head))
SELECT EXISTS (SELECT 1 FROM head) AS appended,
       ARRAY(SELECT nextval(pg_get_serial_sequence('decisions', 'id')) FROM generate_series(1, $34::int)) AS ids`;

/** Rows as columns of arrays, for INSERT … SELECT FROM unnest: a batch's rows in one parameter per column. */
function columns(rows: readonly unknown[][], width: number): unknown[][] {
  return Array.from({ length: width }, (_, c) => rows.map((r) => r[c] ?? null));
}
