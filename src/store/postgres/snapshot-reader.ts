import type { BreakGlassGrant, CveException, ImageFacts } from '../../core/types';
import { factsKey } from '../../core/image-ref';
import type { FactsKey, SnapshotFacts, SnapshotReader } from '../snapshot-reader';
import {
  type ApprovalRow,
  type ExceptionRow,
  type FindingRow,
  type GrantRow,
  type ScanRow,
  toApproval,
  toException,
  toGrant,
  toScanResult,
} from '../sqlite/snapshot-rows';
import { type PostgresPool, type Queryable, queryRows } from './postgres-pool';
import { EFFECTIVE_SCAN_DATE } from './scans-repo';

// The facts of a few images, read from PostgreSQL when asked: what a CLI command that decides as the webhook would
// (`explain`, `recheck`) needs once. Every call reads in one REPEATABLE READ transaction, so approvals, scans,
// exceptions and grants come from one consistent snapshot. A long-running server keeps a cache in front of reads
// like these instead (SPEC §6: refreshed on LISTEN/NOTIFY).

export function createReadThroughSnapshotReader(pool: PostgresPool): SnapshotReader {
  return {
    facts: (keys) =>
      pool.withClient(async (client) => {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        try {
          return await readFacts(client, keys);
        } finally {
          await client.query('ROLLBACK');
        }
      }),
    check: async () => {
      await pool.rows("SELECT value FROM meta WHERE key = 'facts_generation'");
    },
  };
}

async function readFacts(client: Queryable, keys: readonly FactsKey[]): Promise<SnapshotFacts> {
  const images = new Map<string, ImageFacts>();
  for (const key of keys) images.set(factsKey(key.repository, key.digest), await readImage(client, key));
  const exceptions: readonly CveException[] = (
    await queryRows<ExceptionRow>(client, 'SELECT id, vuln_id, repository, expires_at, reason FROM cve_exceptions WHERE removed_at IS NULL ORDER BY id')
  ).map(toException);
  const grants: readonly BreakGlassGrant[] = (
    await queryRows<GrantRow>(client, 'SELECT id, namespace, ticket, expires_at, revoked_at FROM break_glass_grants WHERE revoked_at IS NULL ORDER BY id')
  ).map(toGrant);
  return { images, exceptions, grants };
}

async function readImage(client: Queryable, key: FactsKey): Promise<ImageFacts> {
  const [approval] = await queryRows<ApprovalRow>(
    client,
    `SELECT repository, digest, tag, approved_by, approved_at, reason, expires_at, image_created_at,
            revoked_at, revoked_by, revoke_reason, signature
     FROM approvals WHERE repository = $1 AND digest = $2 ORDER BY id DESC LIMIT 1`,
    [key.repository, key.digest],
  );
  const [scan] = await queryRows<ScanRow>(
    client,
    `SELECT s.id, s.scanner, ${EFFECTIVE_SCAN_DATE} AS scanned_at FROM scan_targets t JOIN scans s ON s.id = t.scan_id
     WHERE t.digest = $1 ORDER BY ${EFFECTIVE_SCAN_DATE} DESC, s.id DESC LIMIT 1`,
    [key.digest],
  );
  const findings =
    scan === undefined
      ? []
      : await queryRows<FindingRow>(client, 'SELECT vuln_id, package, installed, fixed, severity FROM findings WHERE scan_id = $1 ORDER BY id', [scan.id]);
  return {
    approval: approval === undefined ? null : toApproval(approval),
    scan: scan === undefined ? null : toScanResult(key.digest, scan, findings),
  };
}
