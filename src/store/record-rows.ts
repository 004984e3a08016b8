import type { Scanner } from '../core/scan-report/scan-report';
import { type Finding, SEVERITIES, type Severity, type SeverityCounts } from '../core/types';
import { StoreError } from '../errors';
import type { ApprovalRecord, ApprovalStatus } from './approvals-repository';
import type { ExceptionRecord } from './exceptions-repository';
import type { GrantRecord } from './grants-repository';
import type { ListedScan, StoredScan } from './scans-repository';
import { compileGlob } from '../core/glob';
import { type ApprovalRow, type ExceptionRow, toApproval, toException } from './sqlite/snapshot-rows';

// The rows the CLI's repositories read, and their mapping into records. Both engines have the same tables and column
// names (migrations/sqlite, migrations/postgres) and read integers as numbers, so one mapping serves both: a record
// listed from PostgreSQL is the record listed from SQLite.

export const APPROVAL_COLUMNS =
  'id, repository, digest, tag, approved_by, approved_at, reason, expires_at, image_created_at, revoked_at, revoked_by, revoke_reason, signature';

export interface ApprovalRecordRow extends ApprovalRow {
  readonly id: number;
  /**
   * 0 when a later approval of the same repository+digest exists (this one was superseded), 1 when not; selected only
   * by the reads that return earlier approvals too (history, list --all): the others read current rows only.
   */
  readonly newest?: number;
}

/** The approval columns and whether the row is the newest of its repository+digest (`newest`), from `approvals a`. */
export const APPROVAL_HISTORY_COLUMNS = `${APPROVAL_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')},
  CASE WHEN a.id = (SELECT max(n.id) FROM approvals n WHERE n.repository = a.repository AND n.digest = a.digest) THEN 1 ELSE 0 END AS newest`;

export function toApprovalRecord(row: ApprovalRecordRow, now: number): ApprovalRecord {
  return { id: row.id, ...toApproval(row), status: approvalStatus(row, now) };
}

/**
 * Revocation wins over expiry; an approval expires at `expires_at` exactly (SPEC §4 `approval-expired`); an earlier
 * approval that was neither is superseded by the later one (SPEC §6: approvals are a history).
 */
function approvalStatus(row: ApprovalRecordRow, now: number): ApprovalStatus {
  if (row.revoked_at !== null) return 'revoked';
  if (row.newest === 0) return 'superseded';
  if (row.expires_at !== null && row.expires_at <= now) return 'expired';
  return 'active';
}

export const EXCEPTION_COLUMNS = 'id, vuln_id, repository, expires_at, reason, created_by, created_at, removed_at, removed_by';

export interface ExceptionRecordRow extends ExceptionRow {
  readonly created_by: string;
  readonly created_at: number;
  readonly removed_at: number | null;
  readonly removed_by: string | null;
}

export function toExceptionRecord(row: ExceptionRecordRow, now: number): ExceptionRecord {
  return {
    ...toException(row),
    createdBy: row.created_by,
    createdAt: row.created_at,
    removedAt: row.removed_at,
    removedBy: row.removed_by,
    status: row.removed_at !== null ? 'removed' : row.expires_at <= now ? 'expired' : 'active',
  };
}

export const GRANT_COLUMNS = 'id, namespace, ticket, expires_at, granted_by, granted_at, reason, revoked_at, revoked_by';

export interface GrantRecordRow {
  readonly id: number;
  readonly namespace: string;
  readonly ticket: string;
  readonly expires_at: number;
  readonly granted_by: string;
  readonly granted_at: number;
  readonly reason: string | null;
  readonly revoked_at: number | null;
  readonly revoked_by: string | null;
}

export function toGrantRecord(row: GrantRecordRow, now: number): GrantRecord {
  return {
    id: row.id,
    namespace: row.namespace,
    ticket: row.ticket,
    expiresAt: row.expires_at,
    grantedBy: row.granted_by,
    grantedAt: row.granted_at,
    reason: row.reason,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    status: row.revoked_at !== null ? 'revoked' : row.expires_at <= now ? 'expired' : 'active',
  };
}

export const SCAN_COLUMNS = `s.id, s.scanner, s.scanner_version, s.artifact, s.scanned_at, s.scanned_at_source, s.imported_at,
  s.imported_by, s.report_sha256, s.critical, s.high, s.medium, s.low, s.unknown`;

export interface StoredScanRow {
  readonly id: number;
  readonly scanner: string;
  readonly scanner_version: string | null;
  readonly artifact: string | null;
  readonly scanned_at: number;
  readonly scanned_at_source: string;
  readonly imported_at: number;
  readonly imported_by: string;
  readonly report_sha256: string;
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  readonly unknown: number;
}

export function toStoredScan(row: StoredScanRow): StoredScan {
  return {
    id: row.id,
    scanner: toScanner(row.scanner),
    scannerVersion: row.scanner_version,
    artifact: row.artifact,
    scannedAt: row.scanned_at,
    scannedAtSource: toScannedAtSource(row.scanned_at_source),
    importedAt: row.imported_at,
    importedBy: row.imported_by,
    reportSha256: row.report_sha256,
    counts: { CRITICAL: row.critical, HIGH: row.high, MEDIUM: row.medium, LOW: row.low, UNKNOWN: row.unknown },
  };
}

// The schema's CHECK constraints allow only these values; anything else means the store was edited by hand.
function toScanner(value: string): Scanner {
  if (value === 'trivy' || value === 'grype') return value;
  throw new StoreError(`scans: unexpected scanner ${JSON.stringify(value)}`);
}

function toScannedAtSource(value: string): 'report' | 'import' {
  if (value === 'report' || value === 'import') return value;
  throw new StoreError(`scans: unexpected scanned_at_source ${JSON.stringify(value)}`);
}

/** Counts findings per severity (a finding is one vulnerability in one package version, SPEC §7). */
export function countSeverities(findings: readonly Finding[]): SeverityCounts {
  const counts: Record<Severity, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

/** Findings most severe first; within a severity, in the order given (by vulnerability ID, package, version). */
export function bySeverity(findings: readonly Finding[]): readonly Finding[] {
  const rank = (s: Severity): number => SEVERITIES.indexOf(s);
  return [...findings].sort((a, b) => rank(a.severity) - rank(b.severity));
}

/** A scan and one of its targets, with the id of the scan that target is judged by (`scan list`). */
export interface ListedScanRow extends StoredScanRow {
  readonly repository: string;
  readonly digest: string;
  readonly newest_id: number;
}

/** The SELECT of `scan list` for an engine's EFFECTIVE_SCAN_DATE: newest_id is chosen exactly as newestFor chooses. */
export function listScansSql(effectiveScanDate: string): string {
  // The inner `s` shadows the outer one, so the date expression reads the candidate scan.
  return `SELECT ${SCAN_COLUMNS}, t.repository, t.digest,
         (SELECT s.id FROM scan_targets t2 JOIN scans s ON s.id = t2.scan_id WHERE t2.digest = t.digest
          ORDER BY ${effectiveScanDate} DESC, s.id DESC LIMIT 1) AS newest_id
       FROM scan_targets t JOIN scans s ON s.id = t.scan_id
       ORDER BY ${effectiveScanDate} DESC, s.id DESC, t.repository, t.digest`;
}

/** The rows of listScansSql whose repository matches the glob (all without one). */
export function toListedScans(rows: readonly ListedScanRow[], repositoryGlob: string | undefined): readonly ListedScan[] {
  const matches = repositoryGlob === undefined ? () => true : compileGlob(repositoryGlob);
  return rows
    .filter((row) => matches(row.repository))
    .map((row) => ({ ...toStoredScan(row), target: { repository: row.repository, digest: row.digest }, newest: row.newest_id === row.id }));
}
