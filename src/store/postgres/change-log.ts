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
  TABLES,
  type Table,
  checkChangeLog,
  withScanReads,
} from '../change-state';
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

/**
 * `audit verify` of the change log: the chain, then the stored state against the log, from one snapshot. The rows are
 * read whole (node-postgres has no cursor here); the comparison itself holds one row at a time (change-state.ts).
 */
export function verifyChangeLog(pool: PostgresPool): Promise<ChangeLogVerdict> {
  return pool.withClient(async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const [head] = await queryRows<{ change_id: number; hash: unknown }>(client, 'SELECT change_id, hash FROM change_log_head WHERE id = 1');
      const entries = await queryRows<StoredChange>(client, 'SELECT id, time, actor, action, subject, details, hash FROM change_log ORDER BY id');
      const changes = new Map<Table, ChangeRecord[]>();
      const rows = new Map<Table, Iterable<StoredRow>>();
      for (const table of TABLES) {
        changes.set(table, await queryRows<ChangeRecord>(
          client,
          `SELECT id, time, actor, action, subject, details FROM change_log WHERE action = ANY($1::text[]) ORDER BY ${ROW_OF[CHANGE_ORDER[table]]}, id`,
          [CHANGE_ACTIONS[table]],
        ));
        rows.set(table, await queryRows<StoredRow>(client, `SELECT * FROM ${table} ORDER BY id`));
      }
      const scans = withScanReads(
        rows.get('scans') ?? [],
        await queryRows<ScanTargetRow>(client, SCAN_TARGET_ROWS),
        await queryRows<FindingCountRow>(client, FINDING_COUNT_ROWS),
      );
      rows.set('scans', scans);
      return checkChangeLog(
        { entries, changes: (table) => changes.get(table) ?? [], rows: (table) => rows.get(table) ?? [] },
        head && { changeId: head.change_id, hash: head.hash },
      );
    } finally {
      await client.query('ROLLBACK');
    }
  });
}
