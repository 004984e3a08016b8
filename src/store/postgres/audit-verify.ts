import type { PoolClient } from 'pg';
import { GENESIS_HASH } from '../audit-hash';
import { type CountRow, type ExtraReasonRow, type HeadRow, type VerifyResult, type WalkRow, createChainWalker } from '../audit-verify';
import { CHANGES_CHAIN, DECISIONS_CHAIN, type StoredChains } from '../chain-states';
import { type PostgresPool, queryRows } from './postgres-pool';

// `audit verify` of the decisions on PostgreSQL: the chain walk of audit-verify.ts (the same checks, the same
// messages), fed in id ranges from one REPEATABLE READ snapshot, with each range's decision_reasons rows read beside
// it, so memory stays bounded by a range however long the chain is.

const RANGE = 2000;

const WALK = `SELECT d.id, d.time, d.namespace, d.allowed, d.mode, d.break_glass, d.ticket, d.reason, d.overridden,
       p.hash AS policy_hash, d."user" AS "user", d.groups, d.latency_us, d.hash,
       di.idx, r.image, r.repository, r.digest, di.allowed AS image_allowed, di.reasons, di.unchanged, di.time AS image_time
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
    const [head] = await queryRows<HeadRow>(client, 'SELECT decision_id, hash FROM audit_head WHERE id = 1');
    const [bounds] = await queryRows<{ low: number | null; high: number | null }>(client, 'SELECT min(id) AS low, max(id) AS high FROM decisions');
    let reasons = new Set<string>();
    const walker = createChainWalker((code, time, id) => reasons.has(reasonKey(code, time, id)));
    for (let from = Math.min(0, (bounds?.low ?? 1) - 1); from < (bounds?.high ?? 0); from += RANGE) {
      const range = [from, from + RANGE];
      const stored = await queryRows<{ reason: string; time: number; decision_id: number }>(
        client,
        'SELECT reason, time, decision_id FROM decision_reasons WHERE decision_id > $1 AND decision_id <= $2',
        range,
      );
      reasons = new Set(stored.map((r) => reasonKey(r.reason, r.time, r.decision_id)));
      if (!walker.push(await queryRows<WalkRow>(client, WALK, range))) break;
    }
    const [counted] = await queryRows<{ n: number }>(client, 'SELECT count(*) AS n FROM decision_reasons');
    const storedReasonRows = counted?.n ?? 0;
    const [extra] = storedReasonRows === walker.reasonRows() ? [] : await queryRows<ExtraReasonRow>(client, EXTRA_REASON);
    const countRows = await queryRows<CountRow>(client, 'SELECT hour, namespace, mode, allowed, break_glass, n FROM decision_counts');
    return walker.finish(head, { storedReasonRows, extraReason: () => extra, countRows: () => countRows });
  });
}

function reasonKey(code: string, time: number, id: number): string {
  return `${code}\u0000${time}\u0000${id}`;
}

/**
 * The chains' lengths and hashes for checking signed checkpoints (chain-states.ts storedChains), read once from one
 * snapshot: the checkpoint comparison asks synchronously.
 */
export function storedChains(pool: PostgresPool): Promise<StoredChains> {
  return inSnapshot(pool, async (client) => {
    const decisions = await queryRows<{ id: number; hash: Buffer }>(client, 'SELECT id, hash FROM decisions ORDER BY id');
    const changes = await queryRows<{ hash: Buffer }>(client, 'SELECT hash FROM change_log ORDER BY id');
    const byId = new Map(decisions.map((d) => [d.id, d.hash]));
    const hex = (hash: unknown): string | null => (Buffer.isBuffer(hash) ? hash.toString('hex') : null);
    return {
      length: (chain) => (chain === DECISIONS_CHAIN ? (decisions[decisions.length - 1]?.id ?? 0) : chain === CHANGES_CHAIN ? changes.length : null),
      headAt: (chain, count) => {
        if (chain !== DECISIONS_CHAIN && chain !== CHANGES_CHAIN) return null;
        if (count === 0) return GENESIS_HASH.toString('hex');
        return hex(chain === DECISIONS_CHAIN ? byId.get(count) : changes[count - 1]?.hash);
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
