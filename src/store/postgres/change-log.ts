import type { ChangeEntry } from '../change-entries';
import { type Queryable, queryRows } from './postgres-pool';

// The change log on PostgreSQL (SPEC §6): appended inside the transaction that makes the change, as on SQLite.

export async function recordChange(client: Queryable, entry: ChangeEntry): Promise<number> {
  const [row] = await queryRows<{ id: number }>(
    client,
    'INSERT INTO change_log (time, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [entry.time, entry.actor, entry.action, entry.subject, JSON.stringify(entry.details)],
  );
  return row?.id ?? 0;
}
