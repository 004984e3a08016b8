import type Database from 'better-sqlite3';
import type { ApprovalRecord, FindApprovalsQuery } from '../approvals-repository';
import { APPROVAL_COLUMNS as COLUMNS, type ApprovalRecordRow, toApprovalRecord } from '../record-rows';

// One section of the dashboard's Approvals page (issue 15), at most `limit` current approvals, in the order that
// section is read in. Each is the newest row of its repository+digest (the current approval, SPEC §6).

const CURRENT = 'a.id = (SELECT max(b.id) FROM approvals b WHERE b.repository = a.repository AND b.digest = a.digest)';

export function findApprovals(db: Database.Database, query: FindApprovalsQuery): readonly ApprovalRecord[] {
  const select = `SELECT ${COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')} FROM approvals a`;
  const run = (where: string, order: string, ...params: number[]): readonly ApprovalRecord[] =>
    db
      .prepare<number[], ApprovalRecordRow>(`${select} WHERE ${where} AND ${CURRENT} ORDER BY ${order} LIMIT ?`)
      .all(...params, query.limit)
      .map((row) => toApprovalRecord(row, query.now));
  switch (query.status) {
    case 'active':
      return run('a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > ?)', 'a.id DESC', query.now);
    case 'expiring':
      return run('a.revoked_at IS NULL AND a.expires_at > ? AND a.expires_at <= ?', 'a.expires_at, a.id', query.now, query.expiringBefore);
    case 'expired':
      return run('a.revoked_at IS NULL AND a.expires_at <= ?', 'a.expires_at DESC, a.id DESC', query.now);
    case 'revoked':
      return run('a.revoked_at IS NOT NULL', 'a.revoked_at DESC, a.id DESC');
  }
}
