import type Database from 'better-sqlite3';
import type { Finding } from '../../core/types';
import { StoreError } from '../../errors';
import { scanImportChange } from '../change-entries';
import {
  type ListedScanRow,
  SCAN_COLUMNS,
  type StoredScanRow as ScanRow,
  bySeverity,
  countSeverities,
  listScansSql,
  toListedScans,
  toStoredScan,
} from '../record-rows';
import type { ImportScanInput, ListScansOptions, ListedScan, ScanTarget, StoredScan } from '../scans-repository';
import { SEVERITIES } from '../../core/types';
import { recordChange } from './change-log';
import { EFFECTIVE_SCAN_DATE, type FindingRow, toFinding } from './snapshot-rows';
import { writeTransaction } from '../write-transaction';

// One `scans` row per imported report, the registry digests it applies to in `scan_targets` and its
// findings in `findings`, all written in one transaction with the change-log row (SPEC §6, §7).

/** Stores a scan with its targets and findings; returns the stored scan. */
export function importScan(db: Database.Database, input: ImportScanInput): StoredScan {
  const counts = countSeverities(input.findings);
  const scannedAt = input.scannedAt ?? input.now;
  return writeTransaction(db, (): StoredScan => {
    const { lastInsertRowid } = db
      .prepare(
        `INSERT INTO scans (scanner, scanner_version, artifact, scanned_at, scanned_at_source, imported_at, imported_by,
           report_sha256, critical, high, medium, low, unknown)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        input.scanner,
        input.scannerVersion,
        input.artifact,
        scannedAt,
        input.scannedAt === null ? 'import' : 'report',
        input.now,
        input.by,
        input.reportSha256,
        ...SEVERITIES.map((s) => counts[s]),
      );
    const id = Number(lastInsertRowid);
    insertTargets(db, id, input.targets);
    insertFindings(db, id, input.findings);
    recordChange(db, scanImportChange(input, id, scannedAt, counts));
    return requireScan(db, id);
  });
}

/** The newest scan (by EFFECTIVE_SCAN_DATE, then by import order) that applies to a digest, or null. */
export function newestScanFor(db: Database.Database, digest: string): StoredScan | null {
  const row = db
    .prepare<[string], ScanRow>(
      `SELECT ${SCAN_COLUMNS} FROM scan_targets t JOIN scans s ON s.id = t.scan_id
       WHERE t.digest = ? ORDER BY ${EFFECTIVE_SCAN_DATE} DESC, s.id DESC LIMIT 1`,
    )
    .get(digest);
  return row === undefined ? null : toStoredScan(row);
}

/** Every scan per target, newest first, marking the scan each digest is judged by (`scan list`). */
export function listScans(db: Database.Database, options: ListScansOptions): readonly ListedScan[] {
  return toListedScans(db.prepare<[], ListedScanRow>(listScansSql(EFFECTIVE_SCAN_DATE)).all(), options.repositoryGlob);
}

/** The targets of a scan, by repository. */
export function scanTargets(db: Database.Database, scanId: number): readonly ScanTarget[] {
  return db
    .prepare<[number], ScanTarget>(
      'SELECT repository, digest FROM scan_targets WHERE scan_id = ? ORDER BY repository, digest',
    )
    .all(scanId)
    .map((row) => ({ repository: row.repository, digest: row.digest }));
}

/** The findings of a scan, most severe first, then by vulnerability ID and package. */
export function scanFindings(db: Database.Database, scanId: number): readonly Finding[] {
  return bySeverity(
    db
      .prepare<[number], FindingRow>(
        'SELECT vuln_id, package, installed, fixed, severity FROM findings WHERE scan_id = ? ORDER BY vuln_id, package, installed',
      )
      .all(scanId)
      .map(toFinding),
  );
}

function insertTargets(db: Database.Database, scanId: number, targets: readonly ScanTarget[]): void {
  // OR IGNORE: a report may name the same repository digest twice (e.g. two RepoDigests spellings).
  const insert = db.prepare('INSERT OR IGNORE INTO scan_targets (digest, scan_id, repository) VALUES (?, ?, ?)');
  for (const t of targets) insert.run(t.digest, scanId, t.repository);
}

function insertFindings(db: Database.Database, scanId: number, findings: readonly Finding[]): void {
  const insert = db.prepare(
    'INSERT INTO findings (scan_id, vuln_id, package, installed, fixed, severity) VALUES (?, ?, ?, ?, ?, ?)',
  );
  for (const f of findings) insert.run(scanId, f.id, f.package, f.installed, f.fixed, f.severity);
}

function requireScan(db: Database.Database, id: number): StoredScan {
  const row = db.prepare<[number], ScanRow>(`SELECT ${SCAN_COLUMNS} FROM scans s WHERE s.id = ?`).get(id);
  if (row === undefined) throw new StoreError(`scan ${id} vanished inside its own transaction`);
  return toStoredScan(row);
}
