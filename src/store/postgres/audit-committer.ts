import type { PoolClient } from 'pg';
import { StoreError } from '../../errors';
import { type ChainRow, chainHash } from '../audit-hash';
import { type ChainHeadRow, type LastEntryRow, chainRow, checkedHead, headError } from '../audit-batch';
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

const CHAIN = `SELECT id, count, hash FROM audit_chains WHERE coalesce(cluster, '') = $1 AND writer = $2 FOR UPDATE`;
const LAST = 'SELECT id, seq, hash FROM decisions WHERE chain_id = $1 AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1';
const HEADLESS = 'SELECT DISTINCT d.chain_id FROM decisions d LEFT JOIN audit_chains c ON c.id = d.chain_id WHERE c.id IS NULL LIMIT 1';
const NEW_IDS = `SELECT nextval(pg_get_serial_sequence('decisions', 'id')) AS id FROM generate_series(1, $1::int)`;

interface OpenChain {
  readonly id: number;
  readonly count: number;
  readonly hash: Buffer;
}

export function postgresAuditCommitter(pool: PostgresPool, identity: WriterIdentity): AuditCommitter {
  const name = chainName(identity);
  const key = [identity.cluster ?? '', identity.writer];
  const policyIds = new Map<string, number>();

  /** This writer's chain, locked and checked; created on its first commit. */
  const openChain = async (client: PoolClient, committedUpTo: number): Promise<OpenChain> => {
    let [head] = await queryRows<ChainHeadRow>(client, CHAIN, key);
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
      [head] = await queryRows<ChainHeadRow>(client, CHAIN, key);
      if (head === undefined) throw new StoreError(`the audit chain ${name} could not be created`);
    }
    const [last] = await queryRows<LastEntryRow>(client, LAST, [head.id]);
    return { id: head.id, ...checkedHead(name, head, last, committedUpTo) };
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

  const write = async (records: readonly DecisionRecord[], committedUpTo: number): Promise<readonly number[]> => {
    // Policy ids learnt by a transaction that rolls back are not kept: the row may not exist.
    const staged = new Map<string, number>();
    const ids = await pool.transaction(async (client) => {
      const chain = await openChain(client, committedUpTo);
      const ids = (await queryRows<{ id: number }>(client, NEW_IDS, [records.length])).map((r) => r.id);
      let { count, hash } = chain;
      const decisions: unknown[][] = [];
      const images: unknown[][] = [];
      const reasons: unknown[][] = [];
      for (const [i, record] of records.entries()) {
        const id = ids[i];
        if (id === undefined) throw new StoreError('the decision id sequence returned too few ids');
        const row = chainRow(id, record);
        count += 1;
        hash = chainHash(hash, row);
        const policy = await policyId(client, record, row, staged);
        decisions.push([id, row.time, row.namespace, row.allowed, row.mode, row.breakGlass, row.ticket, row.reason, row.overridden, policy,
          row.user, row.groups, row.latencyUs, hash, chain.id, count]);
        for (const [idx, image] of row.images.entries()) {
          images.push([id, idx, image.image, image.repository, image.digest, image.allowed, image.reasons, row.time, image.unchanged, image.signature]);
        }
        for (const code of new Set(record.images.flatMap((image) => image.reasons))) reasons.push([code, row.time, id]);
      }
      await insertDecisions(client, decisions);
      await insertImages(client, images);
      await insertReasons(client, reasons);
      await client.query('UPDATE audit_chains SET count = $1, hash = $2 WHERE id = $3', [count, hash, chain.id]);
      return ids;
    });
    for (const [hashOfPolicy, id] of staged) policyIds.set(hashOfPolicy, id);
    return ids;
  };

  return {
    write,
    // Locks and checks this writer's head and commits nothing: whether the store can be written now.
    probe: async (committedUpTo) => void (await pool.transaction((client) => openChain(client, committedUpTo))),
    close: async () => undefined,
  };
}

/** Rows as columns of arrays: one INSERT … SELECT FROM unnest per table and batch, a round trip per table, not per row. */
function columns(rows: readonly unknown[][], width: number): unknown[][] {
  return Array.from({ length: width }, (_, c) => rows.map((r) => r[c] ?? null));
}

async function insertDecisions(client: PoolClient, rows: readonly unknown[][]): Promise<void> {
  await client.query(
    `INSERT INTO decisions (id, time, namespace, allowed, mode, break_glass, ticket, reason, overridden, policy_id, "user", groups, latency_us, hash, chain_id, seq)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::smallint[], $5::text[], $6::smallint[], $7::text[], $8::text[], $9::text[],
                          $10::bigint[], $11::text[], $12::text[], $13::bigint[], $14::bytea[], $15::bigint[], $16::bigint[])`,
    columns(rows, 16),
  );
}

async function insertImages(client: PoolClient, rows: readonly unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const [decisionIds, idx, image, repository, digest, allowed, reasons, time, unchanged, signature] = columns(rows, 10);
  // Interned: each distinct (image, repository, digest) once, whichever replica first recorded it. In one order, so
  // that two replicas recording the same new images wait for each other rather than deadlock.
  await client.query(
    `INSERT INTO image_refs (image, repository, digest) SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::text[]) ORDER BY 1, 2, 3
     ON CONFLICT (image, coalesce(repository, ''), coalesce(digest, '')) DO NOTHING`,
    [image, repository, digest],
  );
  await client.query(
    `INSERT INTO decision_images (decision_id, idx, image_id, allowed, reasons, time, unchanged, signature)
     SELECT v.decision_id, v.idx, r.id, v.allowed, v.reasons, v.time, v.unchanged, v.signature
     FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::text[], $8::bigint[], $9::smallint[], $10::text[])
          AS v (decision_id, idx, image, repository, digest, allowed, reasons, time, unchanged, signature)
     JOIN image_refs r ON r.image = v.image AND coalesce(r.repository, '') = coalesce(v.repository, '') AND coalesce(r.digest, '') = coalesce(v.digest, '')`,
    [decisionIds, idx, image, repository, digest, allowed, reasons, time, unchanged, signature],
  );
}

async function insertReasons(client: PoolClient, rows: readonly unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  await client.query('INSERT INTO decision_reasons (reason, time, decision_id) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])', columns(rows, 3));
}
