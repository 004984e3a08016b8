import { compileGlob } from '../../core/glob';
import { factsKey } from '../../core/image-ref';
import { StoreError } from '../../errors';
import { registryEventChange } from '../change-entries';
import type { RegistryEventsRepository } from '../registry-events-repository';
import { type EventRow, NEWEST_PUSHES, toRecorded } from '../sqlite/registry-events-repo';
import { recordChange } from './change-log';
import { type PostgresPool, queryRows } from './postgres-pool';

// Registry events on PostgreSQL, as sqlite/registry-events-repo.ts: append-only rows, each with its change-log entry
// in the same transaction; a redelivered event (same source and key) is stored once, whichever replica receives it.

export function createRegistryEventsRepository(pool: PostgresPool): RegistryEventsRepository {
  return {
    seen: async (source, key) => (await pool.rows('SELECT id FROM registry_events WHERE source = $1 AND event_key = $2', [source, key])).length > 0,
    record: (input) =>
      pool.transaction(async (client) => {
        const [inserted] = await queryRows<{ id: number }>(
          client,
          `INSERT INTO registry_events (source, event_key, type, kind, repository, digest, tag, actor, occurred_at, received_at, outcome, detail)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (source, event_key) DO NOTHING RETURNING id`,
          [input.source, input.key, input.type, input.kind, input.repository, input.digest, input.tag, input.actor, input.occurredAt, input.now, input.outcome, input.detail],
        );
        if (inserted === undefined) return null;
        await recordChange(client, registryEventChange(input, inserted.id));
        const [row] = await queryRows<EventRow>(client, 'SELECT * FROM registry_events WHERE id = $1', [inserted.id]);
        if (row === undefined) throw new StoreError(`registry event ${inserted.id} vanished inside its own transaction`);
        return toRecorded(row);
      }),
    pending: async (filter) => {
      const matches = filter.repositoryGlob === undefined ? () => true : compileGlob(filter.repositoryGlob);
      const rows = await pool.rows<EventRow>(
        `${NEWEST_PUSHES}
           AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.repository = e.repository AND a.digest = e.digest)
         ORDER BY e.occurred_at DESC, e.id DESC`,
      );
      return rows
        .filter((row) => matches(row.repository))
        .map((row) => ({ repository: row.repository, digest: row.digest, tag: row.tag, pushedBy: row.actor, pushedAt: row.occurred_at, source: row.source }));
    },
    deletions: async () => {
      const rows = await pool.rows<{ repository: string; digest: string; occurred_at: number }>(
        `SELECT e.repository, e.digest, e.occurred_at FROM registry_events e
         WHERE e.kind = 'delete'
           AND e.id = (SELECT MAX(n.id) FROM registry_events n WHERE n.repository = e.repository AND n.digest = e.digest AND n.kind IN ('push', 'delete'))`,
      );
      return new Map(rows.map((row) => [factsKey(row.repository, row.digest), row.occurred_at]));
    },
  };
}
