import type Database from 'better-sqlite3';
import { compileGlob } from '../../core/glob';
import type { Scanner } from '../../core/scan-report/scan-report';
import { type Finding, SEVERITIES, type Severity, type SeverityCounts } from '../../core/types';
import { StoreError } from '../../errors';
import type { ImportScanInput, ListScansOptions, ListedScan, ScanTarget, StoredScan } from '../scans-repository';
import { recordChange } from './change-log';
import { EFFECTIVE_SCAN_DATE, type FindingRow, toFinding } from './snapshot-rows';
import { writeTransaction } from '../write-transaction';

// One `scans` row per imported report, the registry digests it applies to in `scan_targets` and its
// findings in `findings`, all written in one transaction with the change-log row (SPEC §6, §7).

interface ScanRow {
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

const SCAN_COLUMNS = `s.id, s.scanner, s.scanner_version, s.artifact, s.scanned_at, s.scanned_at_source, s.imported_at,
  s.imported_by, s.report_sha256, s.critical, s.high, s.medium, s.low, s.unknown`;

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
    recordChange(db, {
      time: input.now,
      actor: input.by,
      action: 'scan-import',
      subject: `scan:${id}`,
      details: {
        scanner: input.scanner,
        scannedAt,
        reportSha256: input.reportSha256,
        targets: input.targets.map((t) => `${t.repository}@${t.digest}`),
        counts: { ...counts },
      },
    });
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

interface ListedScanRow extends ScanRow {
  readonly repository: string;
  readonly digest: string;
  readonly newest_id: number;
}

/**
 * Every scan per target, newest first. `newest_id` is chosen exactly as newestScanFor chooses (the inner `s`
 * shadows the outer one, so EFFECTIVE_SCAN_DATE reads the candidate scan).
 */
export function listScans(db: Database.Database, options: ListScansOptions): readonly ListedScan[] {
  const matches = options.repositoryGlob === undefined ? () => true : compileGlob(options.repositoryGlob);
  return db
    .prepare<[], ListedScanRow>(
      `SELECT ${SCAN_COLUMNS}, t.repository, t.digest,
         (SELECT s.id FROM scan_targets t2 JOIN scans s ON s.id = t2.scan_id WHERE t2.digest = t.digest
          ORDER BY ${EFFECTIVE_SCAN_DATE} DESC, s.id DESC LIMIT 1) AS newest_id
       FROM scan_targets t JOIN scans s ON s.id = t.scan_id
       ORDER BY ${EFFECTIVE_SCAN_DATE} DESC, s.id DESC, t.repository, t.digest`,
    )
    .all()
    .filter((row) => matches(row.repository))
    .map((row) => ({ ...toStoredScan(row), target: { repository: row.repository, digest: row.digest }, newest: row.newest_id === row.id }));
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
  const rank = (s: Severity): number => SEVERITIES.indexOf(s);
  return db
    .prepare<[number], FindingRow>(
      'SELECT vuln_id, package, installed, fixed, severity FROM findings WHERE scan_id = ? ORDER BY vuln_id, package, installed',
    )
    .all(scanId)
    .map(toFinding)
    .sort((a, b) => rank(a.severity) - rank(b.severity));
}

/** Counts findings per severity (a finding is one vulnerability in one package version, SPEC §7). */
export function countSeverities(findings: readonly Finding[]): SeverityCounts {
  const counts: Record<Severity, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return counts;
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

function toStoredScan(row: ScanRow): StoredScan {
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
