import type { PoolClient } from 'pg';
import { StoreError } from '../../errors';
import { type ChainRow, chainHash } from '../audit-hash';
import { type ChainHeadRow, chainRow, checkedHead, headError } from '../audit-batch';
import type { AuditCommitter } from '../audit-log';
import type { DecisionRecord } from '../decision-record';
import { type WriterIdentity, chainGenesis, chainName } from '../writer-identity';
import { type PostgresPool, queryRows } from './postgres-pool';

// The commit step of the one audit writer (../audit-log.ts: group commit) on PostgreSQL, where several `serve`
// replicas share the store (SPEC §6, §12). Each batch is one transaction that locks only this writer's chain head
// (`SELECT … FOR UPDATE` on its `audit_chains` row), so replicas commit side by side; ids come from the identity
// sequence of `decisions` (migration 0004), unique across replicas. The batch's promise resolves once PostgreSQL has
// committed it durably (synchronous_commit), and only then are its reviews answered. The head checks are those of
// SQLite's batch writer (checkedHead): a head that does not name its chain's newest entry is refused, never rebuilt.

// This writer's head, locked, with the newest entry of its chain (to check the head against) and, when asked for,
// ids for the batch: one round trip. A batch then takes four (BEGIN, this, one INSERT of everything, COMMIT), because
// on PostgreSQL a replica's commits wait for the network, not the disk: the fewer round trips, the larger the rate.
const CHAIN = `SELECT c.id, c.count, c.hash, l.id AS last_id, l.seq AS last_seq, l.hash AS last_hash,
       CASE WHEN $3::int > 0 THEN (SELECT array_agg(nextval(pg_get_serial_sequence('decisions', 'id'))) FROM generate_series(1, $3::int)) END AS ids
FROM audit_chains c
LEFT JOIN LATERAL (SELECT id, seq, hash FROM decisions WHERE chain_id = c.id AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1) l ON true
WHERE coalesce(c.cluster, '') = $1 AND c.writer = $2
FOR UPDATE OF c`;
const HEADLESS = 'SELECT DISTINCT d.chain_id FROM decisions d LEFT JOIN audit_chains c ON c.id = d.chain_id WHERE c.id IS NULL LIMIT 1';
/** Image references interned this many at most in memory (their ids never change). */
const MAX_KNOWN_REFS = 10_000;

interface LockedHead extends ChainHeadRow {
  readonly last_id: number | null;
  readonly last_seq: number | null;
  readonly last_hash: Buffer | null;
  readonly ids: readonly (number | string)[] | null;
}

interface OpenChain {
  readonly id: number;
  readonly count: number;
  readonly hash: Buffer;
  /** Ids for the batch, from the decisions identity sequence (unique across replicas). */
  readonly ids: readonly number[];
}

export function postgresAuditCommitter(pool: PostgresPool, identity: WriterIdentity): AuditCommitter {
  const name = chainName(identity);
  const key = [identity.cluster ?? '', identity.writer];
  const policyIds = new Map<string, number>();
  const refIds = new Map<string, number>();

  /** This writer's chain, locked and checked, with `n` ids; created on its first commit. */
  const openChain = async (client: PoolClient, committedUpTo: number, n: number): Promise<OpenChain> => {
    let [head] = await lockHead(client, [...key, n]);
    if (head === undefined) {
      if (committedUpTo > 0) throw headError(`the audit chain ${name} has no head, but this server recorded decisions up to ${committedUpTo}`);
      const [orphan] = await queryRows<{ chain_id: number }>(client, HEADLESS);
      if (orphan !== undefined) throw headError(`decisions of audit chain ${orphan.chain_id} are in the store but its head is missing`);
      // Two processes started with the same name race here: one inserts, then both lock the same row.
      await client.query('INSERT INTO audit_chains (writer, cluster, count, hash) VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING', [
        identity.writer,
        identity.cluster,
        chainGenesis(identity),
      ]);
      [head] = await lockHead(client, [...key, n]);
      if (head === undefined) throw new StoreError(`the audit chain ${name} could not be created`);
    }
    const last = head.last_id === null || head.last_seq === null || head.last_hash === null ? undefined : { id: head.last_id, seq: head.last_seq, hash: head.last_hash };
    const ids = (head.ids ?? []).map(Number);
    if (ids.length !== n) throw new StoreError('the decision id sequence returned too few ids');
    return { id: head.id, ...checkedHead(name, head, last, committedUpTo), ids };
  };

  const policyId = async (client: PoolClient, record: DecisionRecord, row: ChainRow, staged: Map<string, number>): Promise<number> => {
    // chainRow always sets it; null only describes a row read back without its policy.
    const hash = row.policyHash;
    if (hash === null) throw new StoreError('a decision to record has no policy hash');
    const known = policyIds.get(hash) ?? staged.get(hash);
    if (known !== undefined) return known;
    await client.query('INSERT INTO policies (hash, source, first_used) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING', [
      hash,
      record.policySource,
      row.time,
    ]);
    const [found] = await queryRows<{ id: number }>(client, 'SELECT id FROM policies WHERE hash = $1', [hash]);
    if (found === undefined) throw new StoreError(`policy ${hash} could not be recorded`);
    staged.set(hash, found.id);
    return found.id;
  };

  /**
   * The ids of these image references, interned on first sight: each distinct (image, repository, digest) once,
   * whichever replica first recorded it, in one order so that two replicas recording the same new images wait for
   * each other rather than deadlock. Known ones come from memory; a new one costs two round trips, once.
   */
  const imageRefIds = async (client: PoolClient, refs: readonly (readonly [string, string | null, string | null])[], staged: Map<string, number>): Promise<void> => {
    const unknown = new Map<string, readonly [string, string | null, string | null]>();
    for (const ref of refs) {
      const k = refKey(ref);
      if (!refIds.has(k) && !staged.has(k)) unknown.set(k, ref);
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
    for (const row of found) staged.set(refKey([row.image, row.repository, row.digest]), row.id);
    if (found.length !== unknown.size) throw new StoreError('an image reference could not be recorded');
  };

  const write = async (records: readonly DecisionRecord[], committedUpTo: number): Promise<readonly number[]> => {
    // Ids learnt by a transaction that rolls back are not kept: the row may not exist.
    const staged = new Map<string, number>();
    const stagedRefs = new Map<string, number>();
    const ids = await pool.transaction(async (client) => {
      const chain = await openChain(client, committedUpTo, records.length);
      let { count, hash } = chain;
      const decisions: unknown[][] = [];
      const images: (readonly [number, number, readonly [string, string | null, string | null], number, string, number, number, string | null])[] = [];
      const reasons: unknown[][] = [];
      for (const [i, record] of records.entries()) {
        const id = chain.ids[i];
        if (id === undefined) throw new StoreError('the decision id sequence returned too few ids');
        const row = chainRow(id, record);
        count += 1;
        hash = chainHash(hash, row);
        const policy = await policyId(client, record, row, staged);
        decisions.push([id, row.time, row.namespace, row.allowed, row.mode, row.breakGlass, row.ticket, row.reason, row.overridden, policy,
          row.user, row.groups, row.latencyUs, hash, chain.id, count]);
        for (const [idx, image] of row.images.entries()) {
          images.push([id, idx, [image.image, image.repository, image.digest], image.allowed, image.reasons, row.time, image.unchanged, image.signature]);
        }
        for (const code of new Set(record.images.flatMap((image) => image.reasons))) reasons.push([code, row.time, id]);
      }
      await imageRefIds(client, images.map((image) => image[2]), stagedRefs);
      const refId = (ref: readonly [string, string | null, string | null]): number => {
        const known = refIds.get(refKey(ref)) ?? stagedRefs.get(refKey(ref));
        if (known === undefined) throw new StoreError('an image reference has no id');
        return known;
      };
      const imageRows = images.map(([decision, idx, ref, allowed, reasonText, time, unchanged, signature]) => [decision, idx, refId(ref), allowed, reasonText, time, unchanged, signature]);
      await client.query({ name: 'image-reviewer-audit-batch', text: INSERT_BATCH, values: [...columns(decisions, 16), ...columns(imageRows, 8), ...columns(reasons, 3), count, hash, chain.id] });
      return chain.ids;
    });
    for (const [hashOfPolicy, id] of staged) policyIds.set(hashOfPolicy, id);
    for (const [ref, id] of stagedRefs) {
      if (refIds.size >= MAX_KNOWN_REFS) refIds.delete(refIds.keys().next().value ?? ref);
      refIds.set(ref, id);
    }
    return ids;
  };

  return {
    write,
    // Locks and checks this writer's head and commits nothing: whether the store can be written now.
    probe: async (committedUpTo) => void (await pool.transaction((client) => openChain(client, committedUpTo, 0))),
    close: async () => undefined,
  };
}

/**
 * The two statements of every batch are prepared once per connection (named), so PostgreSQL parses and plans them
 * once, not per batch: that was most of its CPU per review.
 */
async function lockHead(client: PoolClient, values: readonly unknown[]): Promise<LockedHead[]> {
  return (await client.query<LockedHead>({ name: 'image-reviewer-chain-head', text: CHAIN, values: [...values] })).rows;
}

function refKey(ref: readonly [string, string | null, string | null]): string {
  return `${ref[0]}\u0000${ref[1] ?? ''}\u0000${ref[2] ?? ''}`;
}

/**
 * A batch's rows and the chain's new head in one statement: the decisions, their images (references already
 * interned), their reason codes, and the head. Data-modifying CTEs run as one statement, so the rollup triggers see
 * every row of it when they fire at its end.
 */
const INSERT_BATCH = `WITH
  d AS (INSERT INTO decisions (id, time, namespace, allowed, mode, break_glass, ticket, reason, overridden, policy_id, "user", groups, latency_us, hash, chain_id, seq)
        SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::smallint[], $5::text[], $6::smallint[], $7::text[], $8::text[], $9::text[],
                             $10::bigint[], $11::text[], $12::text[], $13::bigint[], $14::bytea[], $15::bigint[], $16::bigint[])),
  i AS (INSERT INTO decision_images (decision_id, idx, image_id, allowed, reasons, time, unchanged, signature)
        SELECT * FROM unnest($17::bigint[], $18::int[], $19::bigint[], $20::smallint[], $21::text[], $22::bigint[], $23::smallint[], $24::text[])),
  r AS (INSERT INTO decision_reasons (reason, time, decision_id) SELECT * FROM unnest($25::text[], $26::bigint[], $27::bigint[]))
UPDATE audit_chains SET count = $28, hash = $29 WHERE id = $30`;

/** Rows as columns of arrays, for INSERT … SELECT FROM unnest: a batch's rows in one parameter per column. */
function columns(rows: readonly unknown[][], width: number): unknown[][] {
  return Array.from({ length: width }, (_, c) => rows.map((r) => r[c] ?? null));
}
