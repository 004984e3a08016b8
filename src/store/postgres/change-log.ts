import { requireChangeHead, type StoredChange } from '../change-chain';
import type { ChangeEntry, ChangeFilter, ChangeLogVerdict, ChangeRecord } from '../change-log-repository';
import { changeHash } from '../change-hash';
import { FACTS_CHANNEL, encodeFactsChange, factsChangeOf } from '../facts-notification';
import {
  CHANGE_ACTIONS,
  CHANGE_ORDER,
  FINDING_COUNT_ROWS,
  type FindingCountRow,
  SCAN_TARGET_ROWS,
  type ScanTargetRow,
  type StoredRow,
  type Table,
  checkChangeLog,
  withScanReads,
} from '../change-state';
import type { QueryResultRow } from 'pg';
import { type PostgresPool, type Queryable, queryRows } from './postgres-pool';

// The operator change log on PostgreSQL (SPEC §6), chained as on SQLite (sqlite/change-log.ts) with the same hash
// (change-hash.ts). An append locks the head row first (SELECT … FOR UPDATE), so writers from several machines take
// turns and each entry is chained to the one before it; the head is checked, never rebuilt.

export async function recordChange(client: Queryable, entry: ChangeEntry): Promise<number> {
  const [headRow] = await queryRows<{ change_id: number; hash: unknown }>(client, 'SELECT change_id, hash FROM change_log_head WHERE id = 1 FOR UPDATE');
  const [last] = await queryRows<{ id: number; hash: unknown }>(client, 'SELECT id, hash FROM change_log ORDER BY id DESC LIMIT 1');
  const head = requireChangeHead(headRow, last);
  const row = { id: head.changeId + 1, time: entry.time, actor: entry.actor, action: entry.action, subject: entry.subject, details: JSON.stringify(entry.details) };
  const hash = changeHash(head.hash, row);
  await client.query('INSERT INTO change_log (id, time, actor, action, subject, details, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    row.id,
    row.time,
    row.actor,
    row.action,
    row.subject,
    row.details,
    hash,
  ]);
  await client.query('UPDATE change_log_head SET change_id = $1, hash = $2 WHERE id = 1', [row.id, hash]);
  // Delivered to every replica when this transaction commits, never if it rolls back (facts-notification.ts).
  const [generation] = await queryRows<{ value: number }>(client, "SELECT value FROM meta WHERE key = 'facts_generation'");
  await client.query('SELECT pg_notify($1, $2)', [FACTS_CHANNEL, encodeFactsChange(factsChangeOf(entry, generation?.value ?? 0))]);
  return row.id;
}

/** The change log, oldest first, narrowed by `filter` (sqlite/change-log.ts listChanges). */
export function listChanges(q: Queryable, filter: ChangeFilter = {}): Promise<ChangeRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.since !== undefined) {
    params.push(filter.since);
    where.push(`time >= $${params.length}`);
  }
  if (filter.actor !== undefined) {
    params.push(filter.actor);
    where.push(`actor = $${params.length}`);
  }
  if (filter.subjects !== undefined) {
    params.push(filter.subjects);
    where.push(`subject = ANY($${params.length}::text[])`);
  }
  const sql = `SELECT id, time, actor, action, subject, details FROM change_log${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
  return queryRows<ChangeRecord>(q, sql, params);
}

/** The row a change names, as change-state.ts's replay reads it (details are text: a cast of invalid JSON would fail). */
const ROW_OF: Readonly<Record<(typeof CHANGE_ORDER)[Table], string>> = {
  'approval-id': `substring(details from '"approvalId":(-?[0-9]+)')::numeric`,
  'subject-id': `substring(subject from ':([0-9]+)$')::numeric`,
};

/** `audit verify` of the change log: the chain, then the stored state against the log, from one snapshot, every read a cursor. */
export function verifyChangeLog(pool: PostgresPool): Promise<ChangeLogVerdict> {
  return pool.withClient(async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const [head] = await queryRows<{ change_id: number; hash: unknown }>(client, 'SELECT change_id, hash FROM change_log_head WHERE id = 1');
      let cursors = 0;
      const rows = <T extends QueryResultRow>(sql: string): AsyncIterable<T> => ({ [Symbol.asyncIterator]: () => cursorRows<T>(client, `verify_${++cursors}`, sql) });
      const table = (name: Table): AsyncIterable<StoredRow> => rows(`SELECT * FROM ${name} ORDER BY id`);
      // The actions are this module's constants: no quotes to escape.
      const actions = (name: Table): string => CHANGE_ACTIONS[name].map((a) => `'${a}'`).join(', ');
      return await checkChangeLog(
        {
          entries: rows<StoredChange>('SELECT id, time, actor, action, subject, details, hash FROM change_log ORDER BY id'),
          changes: (name) =>
            rows<ChangeRecord>(`SELECT id, time, actor, action, subject, details FROM change_log WHERE action IN (${actions(name)}) ORDER BY ${ROW_OF[CHANGE_ORDER[name]]}, id`),
          rows: (name) => (name === 'scans' ? withScanReads(table('scans'), rows<ScanTargetRow>(SCAN_TARGET_ROWS), rows<FindingCountRow>(FINDING_COUNT_ROWS)) : table(name)),
        },
        head && { changeId: head.change_id, hash: head.hash },
      );
    } finally {
      await client.query('ROLLBACK');
    }
  });
}

/** A query's rows through a cursor of the open transaction, a batch at a time: memory stays flat however many rows. */
async function* cursorRows<T extends QueryResultRow>(client: Queryable, name: string, sql: string, batch = 2_000): AsyncGenerator<T> {
  await client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`);
  try {
    for (;;) {
      const fetched = await queryRows<T>(client, `FETCH FORWARD ${batch} FROM ${name}`);
      yield* fetched;
      if (fetched.length < batch) return;
    }
  } finally {
    await client.query(`CLOSE ${name}`);
  }
}
