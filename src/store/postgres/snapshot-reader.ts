import type { BreakGlassGrant, CveException, ImageFacts } from '../../core/types';
import { factsKey } from '../../core/image-ref';
import { StoreError } from '../../errors';
import type { FactsSource } from '../facts-cache';
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
// exceptions and grants come from one consistent snapshot. A long-running server keeps a cache in front of the same
// reads instead (postgresFactsSource for ../facts-cache.ts; SPEC §6: refreshed on LISTEN/NOTIFY).

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

/** The same reads for a replica's facts cache (../facts-cache.ts), each on a pooled connection. */
export function postgresFactsSource(pool: PostgresPool): FactsSource {
  return {
    generation: async () => {
      const [row] = await pool.rows<{ value: number }>("SELECT value FROM meta WHERE key = 'facts_generation'");
      if (row === undefined) throw new StoreError('the store has no facts generation (meta): is it migrated?');
      return row.value;
    },
    image: (key) => pool.withClient((client) => readImage(client, key)),
    exceptions: () => pool.withClient(readExceptions),
    grants: () => pool.withClient(readGrants),
  };
}

async function readFacts(client: Queryable, keys: readonly FactsKey[]): Promise<SnapshotFacts> {
  const images = new Map<string, ImageFacts>();
  for (const key of keys) images.set(factsKey(key.repository, key.digest), await readImage(client, key));
  return { images, exceptions: await readExceptions(client), grants: await readGrants(client) };
}

async function readExceptions(client: Queryable): Promise<readonly CveException[]> {
  const rows = await queryRows<ExceptionRow>(client, 'SELECT id, vuln_id, repository, expires_at, reason FROM cve_exceptions WHERE removed_at IS NULL ORDER BY id');
  return rows.map(toException);
}

async function readGrants(client: Queryable): Promise<readonly BreakGlassGrant[]> {
  const rows = await queryRows<GrantRow>(client, 'SELECT id, namespace, ticket, expires_at, revoked_at FROM break_glass_grants WHERE revoked_at IS NULL ORDER BY id');
  return rows.map(toGrant);
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
