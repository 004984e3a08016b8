import type Database from 'better-sqlite3';
import { compileGlob } from '../../core/glob';
import { NotFoundError, StoreError } from '../../errors';
import type { ApprovalRecord, ApproveInput, ListApprovalsOptions, RevokeInput } from '../approvals-repository';
import { approveChange, revokeChange } from '../change-entries';
import { APPROVAL_COLUMNS as COLUMNS, APPROVAL_HISTORY_COLUMNS, type ApprovalRecordRow, toApprovalRecord } from '../record-rows';
import { recordChange } from './change-log';
import { encodeApprovalSignature } from './snapshot-rows';
import { writeTransaction } from '../write-transaction';

// Approvals are per repository + digest (SPEC §4). Each approval act is a new row and the newest row
// is the current approval; rows are never deleted (a schema trigger refuses it), revocation is
// recorded on the current row (SPEC §6).

/** Records a new approval (a new current row, also when the digest was approved or revoked before). */
export function approve(db: Database.Database, input: ApproveInput): ApprovalRecord {
  return writeTransaction(db, (): ApprovalRecord => {
    const { lastInsertRowid } = db
      .prepare(
        `INSERT INTO approvals (repository, digest, tag, approved_by, approved_at, reason, expires_at, image_created_at, signature)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(input.repository, input.digest, input.tag, input.by, input.now, input.reason, input.expiresAt, input.imageCreatedAt, encodeApprovalSignature(input.signature));
    const id = Number(lastInsertRowid);
    recordChange(db, approveChange(input, id));
    return requireRow(db, id, input.now);
  });
}

/** Revokes the current approval of repository+digest; NotFoundError when there is none unrevoked. */
export function revoke(db: Database.Database, input: RevokeInput): ApprovalRecord {
  return writeTransaction(db, (): ApprovalRecord => {
    const current = currentRow(db, input.repository, input.digest);
    if (current === undefined || current.revoked_at !== null) {
      const what = current === undefined ? 'no approval' : 'no unrevoked approval';
      throw new NotFoundError(`${what} of ${input.repository}@${input.digest} to revoke`);
    }
    db.prepare('UPDATE approvals SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ?').run(
      input.now,
      input.by,
      input.reason,
      current.id,
    );
    recordChange(db, revokeChange(input, current.id));
    return requireRow(db, current.id, input.now);
  });
}

/** The current approval of repository+digest (its newest row), or null. */
export function currentApproval(
  db: Database.Database,
  repository: string,
  digest: string,
  now: number,
): ApprovalRecord | null {
  const row = currentRow(db, repository, digest);
  return row === undefined ? null : toApprovalRecord(row, now);
}

/** Current active approvals (newest row per repository+digest), or with `all` every row; by repository then approval time. */
export function listApprovals(db: Database.Database, options: ListApprovalsOptions): readonly ApprovalRecord[] {
  const matches = options.repositoryGlob === undefined ? () => true : compileGlob(options.repositoryGlob);
  return db
    .prepare<[], ApprovalRecordRow>(
      `SELECT ${APPROVAL_HISTORY_COLUMNS} FROM approvals a
       ${options.all ? '' : 'WHERE a.id IN (SELECT MAX(id) FROM approvals GROUP BY repository, digest)'}
       ORDER BY a.repository, a.approved_at, a.id`,
    )
    .all()
    .filter((row) => matches(row.repository))
    .map((row) => toApprovalRecord(row, options.now))
    .filter((record) => options.all || record.status === 'active');
}

/** Every approval of repository+digest, oldest first. */
export function approvalHistory(db: Database.Database, repository: string, digest: string, now: number): readonly ApprovalRecord[] {
  return db
    .prepare<[string, string], ApprovalRecordRow>(
      `SELECT ${APPROVAL_HISTORY_COLUMNS} FROM approvals a WHERE a.repository = ? AND a.digest = ? ORDER BY a.id`,
    )
    .all(repository, digest)
    .map((row) => toApprovalRecord(row, now));
}

/** The digests of `repository` ever approved under `tag`, sorted. */
export function digestsTagged(db: Database.Database, repository: string, tag: string): readonly string[] {
  return db
    .prepare<[string, string], string>('SELECT DISTINCT digest FROM approvals WHERE repository = ? AND tag = ? ORDER BY digest')
    .pluck()
    .all(repository, tag);
}

function currentRow(db: Database.Database, repository: string, digest: string): ApprovalRecordRow | undefined {
  return db
    .prepare<[string, string], ApprovalRecordRow>(
      `SELECT ${COLUMNS} FROM approvals WHERE repository = ? AND digest = ? ORDER BY id DESC LIMIT 1`,
    )
    .get(repository, digest);
}

function requireRow(db: Database.Database, id: number, now: number): ApprovalRecord {
  const row = db.prepare<[number], ApprovalRecordRow>(`SELECT ${COLUMNS} FROM approvals WHERE id = ?`).get(id);
  if (row === undefined) throw new StoreError(`approval ${id} vanished inside its own transaction`);
  return toApprovalRecord(row, now);
}
