import { NotFoundError, StoreError } from '../../errors';
import { exceptionAddChange, exceptionRemoveChange } from '../change-entries';
import type { ExceptionRecord, ExceptionsRepository } from '../exceptions-repository';
import { EXCEPTION_COLUMNS, type ExceptionRecordRow, toExceptionRecord } from '../record-rows';
import { recordChange } from './change-log';
import { type PostgresPool, type Queryable, queryRows } from './postgres-pool';

// CVE exceptions on PostgreSQL, as sqlite/exceptions-repo.ts: removal recorded on the row, never deleted.

export function createExceptionsRepository(pool: PostgresPool): ExceptionsRepository {
  return {
    add: (input) =>
      pool.transaction(async (client) => {
        const [row] = await queryRows<{ id: number }>(
          client,
          `INSERT INTO cve_exceptions (vuln_id, repository, expires_at, reason, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [input.vulnerabilityId, input.repository, input.expiresAt, input.reason, input.by, input.now],
        );
        if (row === undefined) throw new StoreError('an insert returned no row');
        await recordChange(client, exceptionAddChange(input, row.id));
        return requireException(client, row.id, input.now);
      }),
    remove: (input) =>
      pool.transaction(async (client) => {
        const row = await findRow(client, input.id, 'FOR UPDATE');
        if (row === undefined) throw new NotFoundError(`no exception ${input.id}`);
        if (row.removed_at !== null) throw new NotFoundError(`exception ${input.id} was already removed by ${row.removed_by ?? 'unknown'}`);
        await client.query('UPDATE cve_exceptions SET removed_at = $1, removed_by = $2 WHERE id = $3', [input.now, input.by, input.id]);
        await recordChange(client, exceptionRemoveChange(input, { vulnerabilityId: row.vuln_id, repository: row.repository }));
        return requireException(client, input.id, input.now);
      }),
    list: async (options) => {
      const rows = await pool.rows<ExceptionRecordRow>(`SELECT ${EXCEPTION_COLUMNS} FROM cve_exceptions ORDER BY id`);
      return rows.map((row) => toExceptionRecord(row, options.now)).filter((record) => options.all || record.status === 'active');
    },
  };
}

async function findRow(client: Queryable, id: number, lock = ''): Promise<ExceptionRecordRow | undefined> {
  const [row] = await queryRows<ExceptionRecordRow>(client, `SELECT ${EXCEPTION_COLUMNS} FROM cve_exceptions WHERE id = $1 ${lock}`, [id]);
  return row;
}

async function requireException(client: Queryable, id: number, now: number): Promise<ExceptionRecord> {
  const row = await findRow(client, id);
  if (row === undefined) throw new StoreError(`exception ${id} vanished inside its own transaction`);
  return toExceptionRecord(row, now);
}
