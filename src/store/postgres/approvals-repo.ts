import { compileGlob } from '../../core/glob';
import { NotFoundError, StoreError } from '../../errors';
import type { ApprovalRecord, ApprovalsRepository, FindApprovalsQuery } from '../approvals-repository';
import { approveChange, revokeChange } from '../change-entries';
import { APPROVAL_COLUMNS, APPROVAL_HISTORY_COLUMNS, type ApprovalRecordRow, toApprovalRecord } from '../record-rows';
import { encodeApprovalSignature } from '../sqlite/snapshot-rows';
import { recordChange } from './change-log';
import { type PostgresPool, type Queryable, queryRows } from './postgres-pool';

// Approvals on PostgreSQL, with the SQLite repository's semantics (sqlite/approvals-repo.ts): one row per approval
// act, the newest row is the current approval, revocation recorded on it, each change logged in its transaction.

export function createApprovalsRepository(pool: PostgresPool): ApprovalsRepository {
  return {
    approve: (input) =>
      pool.transaction(async (client) => {
        const [inserted] = await queryRows<{ id: number }>(
          client,
          `INSERT INTO approvals (repository, digest, tag, approved_by, approved_at, reason, expires_at, image_created_at, signature)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
          [input.repository, input.digest, input.tag, input.by, input.now, input.reason, input.expiresAt, input.imageCreatedAt, encodeApprovalSignature(input.signature)],
        );
        const id = requireId(inserted);
        await recordChange(client, approveChange(input, id));
        return requireRow(client, id, input.now);
      }),
    revoke: (input) =>
      pool.transaction(async (client) => {
        // FOR UPDATE: two revocations of the same approval (two operators, two clusters) take turns, and the second
        // finds it revoked instead of overwriting who revoked it.
        const [current] = await queryRows<ApprovalRecordRow>(
          client,
          `SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE repository = $1 AND digest = $2 ORDER BY id DESC LIMIT 1 FOR UPDATE`,
          [input.repository, input.digest],
        );
        if (current === undefined || current.revoked_at !== null) {
          const what = current === undefined ? 'no approval' : 'no unrevoked approval';
          throw new NotFoundError(`${what} of ${input.repository}@${input.digest} to revoke`);
        }
        await client.query('UPDATE approvals SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE id = $4', [
          input.now,
          input.by,
          input.reason,
          current.id,
        ]);
        await recordChange(client, revokeChange(input, current.id));
        return requireRow(client, current.id, input.now);
      }),
    find: (query) => findApprovals(pool, query),
    list: async (options) => {
      const matches = options.repositoryGlob === undefined ? () => true : compileGlob(options.repositoryGlob);
      const rows = await pool.rows<ApprovalRecordRow>(
        `SELECT ${APPROVAL_HISTORY_COLUMNS} FROM approvals a
         ${options.all ? '' : 'WHERE a.id IN (SELECT max(id) FROM approvals GROUP BY repository, digest)'}
         ORDER BY a.repository, a.approved_at, a.id`,
      );
      return rows
        .filter((row) => matches(row.repository))
        .map((row) => toApprovalRecord(row, options.now))
        .filter((record) => options.all || record.status === 'active');
    },
    history: async (repository, digest, now) => {
      const rows = await pool.rows<ApprovalRecordRow>(
        `SELECT ${APPROVAL_HISTORY_COLUMNS} FROM approvals a WHERE a.repository = $1 AND a.digest = $2 ORDER BY a.id`,
        [repository, digest],
      );
      return rows.map((row) => toApprovalRecord(row, now));
    },
    digestsTagged: async (repository, tag) => {
      const rows = await pool.rows<{ digest: string }>(
        'SELECT DISTINCT digest FROM approvals WHERE repository = $1 AND tag = $2 ORDER BY digest',
        [repository, tag],
      );
      return rows.map((row) => row.digest);
    },
  };
}

/** The current approvals of one dashboard section (sqlite/find-approvals.ts), newest row per repository+digest. */
async function findApprovals(pool: PostgresPool, query: FindApprovalsQuery): Promise<readonly ApprovalRecord[]> {
  const select = `SELECT ${APPROVAL_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')} FROM approvals a`;
  const current = 'a.id = (SELECT max(b.id) FROM approvals b WHERE b.repository = a.repository AND b.digest = a.digest)';
  const run = async (where: string, order: string, ...params: number[]): Promise<readonly ApprovalRecord[]> => {
    const rows = await pool.rows<ApprovalRecordRow>(
      `${select} WHERE ${where} AND ${current} ORDER BY ${order} LIMIT $${params.length + 1}`,
      [...params, query.limit],
    );
    return rows.map((row) => toApprovalRecord(row, query.now));
  };
  switch (query.status) {
    case 'active':
      return run('a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > $1)', 'a.id DESC', query.now);
    case 'expiring':
      return run('a.revoked_at IS NULL AND a.expires_at > $1 AND a.expires_at <= $2', 'a.expires_at, a.id', query.now, query.expiringBefore);
    case 'expired':
      return run('a.revoked_at IS NULL AND a.expires_at <= $1', 'a.expires_at DESC, a.id DESC', query.now);
    case 'revoked':
      return run('a.revoked_at IS NOT NULL', 'a.revoked_at DESC, a.id DESC');
  }
}

function requireId(row: { id: number } | undefined): number {
  if (row === undefined) throw new StoreError('an insert returned no row');
  return row.id;
}

async function requireRow(client: Queryable, id: number, now: number): Promise<ApprovalRecord> {
  const [row] = await queryRows<ApprovalRecordRow>(client, `SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE id = $1`, [id]);
  if (row === undefined) throw new StoreError(`approval ${id} vanished inside its own transaction`);
  return toApprovalRecord(row, now);
}
