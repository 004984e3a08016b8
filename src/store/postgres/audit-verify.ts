import type { PoolClient } from 'pg';
import { GENESIS_HASH } from '../audit-hash';
import { type ExtraReasonRow, type StoredRollupRow, type VerifyResult, type WalkRow, createChainWalker } from '../audit-verify';
import { type ChainHeadColumns, toHead } from '../chain-heads';
import { CHANGES_CHAIN, type ChainEntry, type StoredChains } from '../chain-states';
import type { StoredChainHead } from '../chain-walk';
import { DECISION_ROLLUPS, type DecisionRollup, rollupRowsQuery } from '../decision-rollups';
import { chainGenesis, chainName } from '../writer-identity';
import { type PostgresPool, queryRows } from './postgres-pool';

// `audit verify` of the decisions on PostgreSQL: the walk of every writer's chain of audit-verify.ts (the same checks,
// the same messages), fed in id ranges from one REPEATABLE READ snapshot, with each range's decision_reasons rows read beside
// it, so memory stays bounded by a range however long the chain is.

const RANGE = 2000;

const WALK = `SELECT d.id, d.time, d.namespace, d.allowed, d.mode, d.break_glass, d.ticket, d.reason, d.overridden,
       p.hash AS policy_hash, d."user" AS "user", d.groups, d.latency_us, d.hash, d.chain_id, d.seq,
       di.idx, r.image, r.repository, r.digest, di.allowed AS image_allowed, di.reasons, di.unchanged, di.signature,
       di.time AS image_time
FROM decisions d
LEFT JOIN policies p ON p.id = d.policy_id
LEFT JOIN decision_images di ON di.decision_id = d.id
LEFT JOIN image_refs r ON r.id = di.image_id
WHERE d.id > $1 AND d.id <= $2
ORDER BY d.id, di.idx`;

const EXTRA_REASON = `SELECT dr.decision_id, dr.reason FROM decision_reasons dr
LEFT JOIN decisions d ON d.id = dr.decision_id AND d.time = dr.time
WHERE d.id IS NULL OR NOT EXISTS (SELECT 1 FROM decision_images di WHERE di.decision_id = dr.decision_id
  AND position(',' || dr.reason || ',' in ',' || di.reasons || ',') > 0)
ORDER BY dr.decision_id LIMIT 1`;

export function verifyAuditChain(pool: PostgresPool): Promise<VerifyResult> {
  return inSnapshot(pool, async (client) => {
    const heads = await chainHeads(client);
    const [bounds] = await queryRows<{ low: number | null; high: number | null }>(client, 'SELECT min(id) AS low, max(id) AS high FROM decisions');
    // The walk finishes a decision when the next one's first row arrives: the last decision of a range is checked
    // while the next range is pushed, so the previous range's reason rows are kept beside the current one's.
    let previous = new Set<string>();
    let reasons = new Set<string>();
    const walker = createChainWalker(heads, (code, time, id) => reasons.has(reasonKey(code, time, id)) || previous.has(reasonKey(code, time, id)));
    for (let from = Math.min(0, (bounds?.low ?? 1) - 1); from < (bounds?.high ?? 0); from += RANGE) {
      const range = [from, from + RANGE];
      const stored = await queryRows<{ reason: string; time: number; decision_id: number }>(
        client,
        'SELECT reason, time, decision_id FROM decision_reasons WHERE decision_id > $1 AND decision_id <= $2',
        range,
      );
      previous = reasons;
      reasons = new Set(stored.map((r) => reasonKey(r.reason, r.time, r.decision_id)));
      if (!walker.push(await queryRows<WalkRow>(client, WALK, range))) break;
    }
    const [counted] = await queryRows<{ n: number }>(client, 'SELECT count(*) AS n FROM decision_reasons');
    const storedReasonRows = counted?.n ?? 0;
    const [extra] = storedReasonRows === walker.reasonRows() ? [] : await queryRows<ExtraReasonRow>(client, EXTRA_REASON);
    const rollups = new Map<DecisionRollup, readonly StoredRollupRow[]>();
    for (const rollup of DECISION_ROLLUPS) rollups.set(rollup, await queryRows<StoredRollupRow>(client, rollupRowsQuery(rollup)));
    return walker.finish({ storedReasonRows, extraReason: () => extra, rollupRows: (rollup) => rollups.get(rollup) ?? [] });
  });
}

function reasonKey(code: string, time: number, id: number): string {
  return `${code}\u0000${time}\u0000${id}`;
}

const HEADS = 'SELECT id, writer, cluster, count, hash FROM audit_chains ORDER BY id';

async function chainHeads(client: PoolClient): Promise<readonly StoredChainHead[]> {
  return (await queryRows<ChainHeadColumns>(client, HEADS)).map(toHead);
}

/**
 * The chains for checking signed checkpoints (chain-states.ts storedChains: a chain's length is its head's count,
 * entry N found by `seq`, or by id in the chain recorded before writers were), read from one snapshot: the lengths,
 * and the hashes of the entries the checkpoints name, no more (the checkpoint comparison asks synchronously).
 */
export function storedChains(pool: PostgresPool, entries: readonly ChainEntry[]): Promise<StoredChains> {
  return inSnapshot(pool, async (client) => {
    const heads = new Map((await chainHeads(client)).map((head) => [chainName(head.identity), head]));
    const [changeCount] = await queryRows<{ n: number }>(client, 'SELECT count(*) AS n FROM change_log');
    const hashes = new Map<string, unknown>();
    const chainIds: number[] = [];
    const positions: number[] = [];
    const changeEntries: number[] = [];
    for (const { chain, count } of entries) {
      const head = heads.get(chain);
      if (chain === CHANGES_CHAIN) changeEntries.push(count);
      else if (head !== undefined && count > 0) {
        chainIds.push(head.id);
        positions.push(count);
      }
    }
    const found = await queryRows<{ chain_id: number; position: number; hash: unknown }>(
      client,
      `SELECT d.chain_id, coalesce(d.seq, d.id) AS position, d.hash
       FROM unnest($1::bigint[], $2::bigint[]) AS w (chain_id, position)
       JOIN audit_chains c ON c.id = w.chain_id
       JOIN decisions d ON d.chain_id = w.chain_id AND (CASE WHEN c.writer IS NULL THEN d.id ELSE d.seq END) = w.position`,
      [chainIds, positions],
    );
    for (const row of found) hashes.set(`${row.chain_id}:${row.position}`, row.hash);
    // Entries of the change log by position (its ids may skip: migration 0005).
    const changes = await queryRows<{ position: number; hash: unknown }>(
      client,
      'SELECT position, hash FROM (SELECT hash, row_number() OVER (ORDER BY id) AS position FROM change_log) c WHERE position = ANY($1::bigint[])',
      [changeEntries],
    );
    const changeHashes = new Map(changes.map((c) => [Number(c.position), c.hash]));
    const hex = (hash: unknown): string | null => (Buffer.isBuffer(hash) ? hash.toString('hex') : null);
    return {
      length: (chain) => (chain === CHANGES_CHAIN ? (changeCount?.n ?? 0) : (heads.get(chain)?.count ?? null)),
      headAt: (chain, count) => {
        if (chain === CHANGES_CHAIN) return count === 0 ? GENESIS_HASH.toString('hex') : hex(changeHashes.get(count));
        const head = heads.get(chain);
        if (head === undefined) return null;
        if (count === 0) return chainGenesis(head.identity).toString('hex');
        return hex(hashes.get(`${head.id}:${count}`));
      },
    };
  });
}

async function inSnapshot<T>(pool: PostgresPool, read: (client: PoolClient) => Promise<T>): Promise<T> {
  return pool.withClient(async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      return await read(client);
    } finally {
      await client.query('ROLLBACK');
    }
  });
}
