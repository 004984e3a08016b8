import { NotFoundError, StoreError } from '../../errors';
import { grantChange, grantRevokeChange } from '../change-entries';
import type { GrantRecord, GrantsRepository } from '../grants-repository';
import { GRANT_COLUMNS, type GrantRecordRow, toGrantRecord } from '../record-rows';
import { recordChange } from './change-log';
import { type PostgresPool, type Queryable, queryRows } from './postgres-pool';

// Break-glass grants on PostgreSQL, as sqlite/grants-repo.ts: revocation recorded on the row, never deleted.

export function createGrantsRepository(pool: PostgresPool): GrantsRepository {
  return {
    grant: (input) =>
      pool.transaction(async (client) => {
        const [row] = await queryRows<{ id: number }>(
          client,
          `INSERT INTO break_glass_grants (namespace, ticket, expires_at, granted_by, granted_at, reason)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [input.namespace, input.ticket, input.expiresAt, input.by, input.now, input.reason],
        );
        if (row === undefined) throw new StoreError('an insert returned no row');
        await recordChange(client, grantChange(input, row.id));
        return requireGrant(client, row.id, input.now);
      }),
    revoke: (input) =>
      pool.transaction(async (client) => {
        const row = await findRow(client, input.id, 'FOR UPDATE');
        if (row === undefined) throw new NotFoundError(`no break-glass grant ${input.id}`);
        if (row.revoked_at !== null) {
          throw new NotFoundError(`break-glass grant ${input.id} was already revoked by ${row.revoked_by ?? 'unknown'}`);
        }
        await client.query('UPDATE break_glass_grants SET revoked_at = $1, revoked_by = $2 WHERE id = $3', [input.now, input.by, input.id]);
        await recordChange(client, grantRevokeChange(input, { namespace: row.namespace, ticket: row.ticket }));
        return requireGrant(client, input.id, input.now);
      }),
    list: async (options) => {
      const rows = await pool.rows<GrantRecordRow>(`SELECT ${GRANT_COLUMNS} FROM break_glass_grants ORDER BY id`);
      return rows.map((row) => toGrantRecord(row, options.now)).filter((record) => options.all || record.status === 'active');
    },
  };
}

async function findRow(client: Queryable, id: number, lock = ''): Promise<GrantRecordRow | undefined> {
  const [row] = await queryRows<GrantRecordRow>(client, `SELECT ${GRANT_COLUMNS} FROM break_glass_grants WHERE id = $1 ${lock}`, [id]);
  return row;
}

async function requireGrant(client: Queryable, id: number, now: number): Promise<GrantRecord> {
  const row = await findRow(client, id);
  if (row === undefined) throw new StoreError(`break-glass grant ${id} vanished inside its own transaction`);
  return toGrantRecord(row, now);
}
