import type { Finding } from '../../core/types';
import { SEVERITIES } from '../../core/types';
import { StoreError } from '../../errors';
import { scanImportChange } from '../change-entries';
import { type ListedScanRow, SCAN_COLUMNS, type StoredScanRow, bySeverity, countSeverities, listScansSql, toListedScans, toStoredScan } from '../record-rows';
import type { ScanTarget, ScansRepository } from '../scans-repository';
import { type FindingRow, toFinding } from '../sqlite/snapshot-rows';
import { recordChange } from './change-log';
import { type PostgresPool, type Queryable, queryRows } from './postgres-pool';

// Scans on PostgreSQL, as sqlite/scans-repo.ts: a scan, its targets, its findings and the change-log row in one
// transaction.

/** SQLite's MIN(scanned_at, imported_at) (snapshot-rows.ts EFFECTIVE_SCAN_DATE): a scan is never newer than its import. */
export const EFFECTIVE_SCAN_DATE = 'LEAST(s.scanned_at, s.imported_at)';

export function createScansRepository(pool: PostgresPool): ScansRepository {
  return {
    import: (input) => {
      const counts = countSeverities(input.findings);
      const scannedAt = input.scannedAt ?? input.now;
      return pool.transaction(async (client) => {
        const [row] = await queryRows<{ id: number }>(
          client,
          `INSERT INTO scans (scanner, scanner_version, artifact, scanned_at, scanned_at_source, imported_at, imported_by,
             report_sha256, critical, high, medium, low, unknown)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
          [
            input.scanner,
            input.scannerVersion,
            input.artifact,
            scannedAt,
            input.scannedAt === null ? 'import' : 'report',
            input.now,
            input.by,
            input.reportSha256,
            ...SEVERITIES.map((s) => counts[s]),
          ],
        );
        if (row === undefined) throw new StoreError('an insert returned no row');
        await insertTargets(client, row.id, input.targets);
        await insertFindings(client, row.id, input.findings);
        await recordChange(client, scanImportChange(input, row.id, scannedAt, counts));
        const [stored] = await queryRows<StoredScanRow>(client, `SELECT ${SCAN_COLUMNS} FROM scans s WHERE s.id = $1`, [row.id]);
        if (stored === undefined) throw new StoreError(`scan ${row.id} vanished inside its own transaction`);
        return toStoredScan(stored);
      });
    },
    newestFor: async (digest) => {
      const [row] = await pool.rows<StoredScanRow>(
        `SELECT ${SCAN_COLUMNS} FROM scan_targets t JOIN scans s ON s.id = t.scan_id
         WHERE t.digest = $1 ORDER BY ${EFFECTIVE_SCAN_DATE} DESC, s.id DESC LIMIT 1`,
        [digest],
      );
      return row === undefined ? null : toStoredScan(row);
    },
    list: async (options) => toListedScans(await pool.rows<ListedScanRow>(listScansSql(EFFECTIVE_SCAN_DATE)), options.repositoryGlob),
    targets: async (scanId) =>
      (
        await pool.rows<ScanTarget>('SELECT repository, digest FROM scan_targets WHERE scan_id = $1 ORDER BY repository, digest', [scanId])
      ).map((row) => ({ repository: row.repository, digest: row.digest })),
    findings: async (scanId) =>
      bySeverity(
        (
          await pool.rows<FindingRow>(
            'SELECT vuln_id, package, installed, fixed, severity FROM findings WHERE scan_id = $1 ORDER BY vuln_id, package, installed',
            [scanId],
          )
        ).map(toFinding),
      ),
  };
}

async function insertTargets(client: Queryable, scanId: number, targets: readonly ScanTarget[]): Promise<void> {
  if (targets.length === 0) return;
  // ON CONFLICT DO NOTHING: a report may name the same repository digest twice (two RepoDigests spellings).
  await client.query(
    `INSERT INTO scan_targets (digest, scan_id, repository)
     SELECT digest, $1, repository FROM unnest($2::text[], $3::text[]) AS t (digest, repository)
     ON CONFLICT DO NOTHING`,
    [scanId, targets.map((t) => t.digest), targets.map((t) => t.repository)],
  );
}

async function insertFindings(client: Queryable, scanId: number, findings: readonly Finding[]): Promise<void> {
  if (findings.length === 0) return;
  // One statement for the whole report (a report may hold thousands of findings): one round trip, not one per row.
  await client.query(
    `INSERT INTO findings (scan_id, vuln_id, package, installed, fixed, severity)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
    [scanId, findings.map((f) => f.id), findings.map((f) => f.package), findings.map((f) => f.installed), findings.map((f) => f.fixed), findings.map((f) => f.severity)],
  );
}
