import type { ChainState } from '../../checkpoint/checkpoint';
import { requireChangeHead } from '../change-chain';
import { type LastEntryRow, CHAIN_LAST_SQL } from '../audit-batch';
import { LEGACY_LAST_SQL, chainState, changesState, checkpointedHeads } from '../chain-states';
import { type ChainHeadColumns, toHead } from '../chain-heads';
import { type PostgresPool, queryRows } from './postgres-pool';

// The chains a replica's checkpoint covers on PostgreSQL (../chain-states.ts: the same checks and states as SQLite's),
// read in one REPEATABLE READ snapshot: every writer's chain, not only this replica's, since each replica signs what
// the shared store holds; checkpoints of several replicas then overlap, and each verifies on its own.

/** SQLite's `?` placeholders as PostgreSQL's `$1`. */
const numbered = (sql: string): string => sql.replace('?', '$1');

export function readPostgresChainStates(pool: PostgresPool): Promise<readonly ChainState[]> {
  return pool.withClient(async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const heads = (await queryRows<ChainHeadColumns>(client, 'SELECT id, writer, cluster, count, hash FROM audit_chains ORDER BY id')).map(toHead);
      const states: ChainState[] = [];
      for (const head of checkpointedHeads(heads)) {
        const [newest] = await queryRows<LastEntryRow>(client, numbered(head.identity === null ? LEGACY_LAST_SQL : CHAIN_LAST_SQL), [
          head.identity === null ? head.count : head.id,
        ]);
        states.push(chainState(head, newest));
      }
      const [headRow] = await queryRows<{ change_id: number; hash: unknown }>(client, 'SELECT change_id, hash FROM change_log_head WHERE id = 1');
      const [last] = await queryRows<{ id: number; hash: unknown }>(client, 'SELECT id, hash FROM change_log ORDER BY id DESC LIMIT 1');
      const [counted] = await queryRows<{ n: number }>(client, 'SELECT count(*) AS n FROM change_log');
      states.push(changesState(counted?.n ?? 0, requireChangeHead(headRow, last).hash));
      return states;
    } finally {
      await client.query('ROLLBACK');
    }
  });
}
