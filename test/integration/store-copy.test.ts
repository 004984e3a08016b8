import fs from 'node:fs';
import path from 'node:path';
import type { RecordedSignature } from '../../src/core/types';
import { CHECKPOINT_MSG, signCheckpoint } from '../../src/checkpoint/checkpoint';
import { generateCheckpointKey, readCheckpointKey } from '../../src/checkpoint/checkpoint-key';
import { readChainStates } from '../../src/store/chain-states';
import { createInlineAuditWriter } from '../../src/store/audit-inline-committer';
import { openStore } from '../../src/store/open-database';
import { openStoreAt } from '../../src/store/open-store';
import { decisionRecord, deniedRecord } from '../helpers/decision-record';
import { type TestDatabase, createTestSchema, dropFileDatabase } from '../helpers/postgres-server';
import { runCli, runCliArgv } from '../helpers/run-cli';
import { runSql } from '../helpers/store-engines';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// `store copy --from DB --to DB` (SPEC §7): a store moved SQLite → PostgreSQL → SQLite reads the same through every
// command, keeps its chains (ids, hashes) and keeps working; a source that does not verify is not copied.

const NGINX = `docker.io/library/nginx@sha256:${'1'.repeat(64)}`;
const BUSYBOX = `docker.io/library/busybox@sha256:${'2'.repeat(64)}`;
const ALPINE_REPORT = path.join(__dirname, '../fixtures/trivy/alpine-39.json');
const ALPINE = 'docker.io/library/alpine@sha256:' + 'a'.repeat(64);

const SIGNATURE: RecordedSignature = {
  source: 'review',
  kind: 'verified',
  signers: ['release.pub'],
  artifacts: [`sha256:${'5'.repeat(64)}`],
  verifiedAt: Date.parse('2026-01-15T09:00:00Z'),
};

let tmp: TempDir;
let pg: TestDatabase;
let sqlite: string;

beforeEach(async () => {
  tmp = makeTempDir('store-copy-');
  sqlite = tmp.file('source.db');
  pg = await createTestSchema();
});
afterEach(async () => {
  await pg.drop();
  tmp.cleanup();
});
afterAll(() => dropFileDatabase());

async function cli(db: string, ...args: string[]): Promise<string> {
  const result = await runCli(db, args);
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** A SQLite store with every kind of record: approvals (one revoked), a scan, an exception, a grant, decisions. */
async function seedSqlite(): Promise<void> {
  await cli(sqlite, 'approve', NGINX, '--offline', '--reason', 'vetted', '--expires', '30d');
  await cli(sqlite, 'approve', BUSYBOX, '--offline');
  await cli(sqlite, 'revoke', BUSYBOX, '--reason', 'CVE-2024-0001');
  await cli(sqlite, 'scan', 'import', ALPINE_REPORT, '--image', ALPINE);
  await cli(sqlite, 'exception', 'add', 'CVE-2019-14697', '--expires', '7d', '--reason', 'no fix yet');
  await cli(sqlite, 'break-glass', 'grant', '--namespace', 'prod', '--ticket', 'INC-1', '--expires', '1h');
  const db = openStore(sqlite, { migrate: 'apply' });
  // Two replicas' chains, one naming its cluster; some decisions carry signature evidence (decision/v3 hashes).
  const writers = [
    createInlineAuditWriter(db, {}, { writer: 'reviewer-0', cluster: null }),
    createInlineAuditWriter(db, {}, { writer: 'reviewer-1', cluster: 'prod-eu' }),
  ];
  const hour = Date.parse('2026-01-15T10:00:00Z');
  for (let i = 0; i < 30; i += 1) {
    const time = hour + i * 7 * 60_000;
    const record = i % 3 === 0 ? deniedRecord({ time, namespace: `team-${i % 4}` }) : decisionRecord({ time, namespace: `team-${i % 4}` });
    const [first] = record.images;
    const signed = i % 5 === 1 && first !== undefined ? { ...record, images: [{ ...first, signature: SIGNATURE }] } : record;
    await writers[i % 2]!.append(signed);
  }
  for (const writer of writers) await writer.close();
  db.close();
}

/** What users read from a store: every list and query command's output. */
async function readings(db: string): Promise<Record<string, string>> {
  const commands: string[][] = [
    ['approvals', '--all', '--json'],
    ['exception', 'list', '--all', '--json'],
    ['break-glass', 'list', '--all', '--json'],
    ['scan', 'show', ALPINE, '--json'],
    ['audit', '--json', '--limit', '1000'],
    ['audit', '--reason', 'not-approved', '--json'],
    ['audit', '--image', 'registry.corp.example/web/*', '--namespace', 'team-0', '--json'],
    ['audit', '--since', '2026-01-15T11:00:00Z', '--until', '2026-01-15T12:30:00Z', '--decision', 'allowed', '--json'],
    ['audit', 'stats', '--json'],
    ['audit', 'stats', '--since', '2026-01-15T10:30:00Z', '--json'],
    ['audit', 'stats', '--since', '2026-01-15T10:30:00Z', '--until', '2026-01-15T12:45:00Z', '--namespace', 'team-1', '--json'],
    ['audit', 'stats', '--until', '2026-01-15T11:59:59.999Z', '--csv'],
    ['scan', 'list', '--json'],
    ['approvals', 'pending', '--json'],
    ['audit', 'verify'],
  ];
  const out: Record<string, string> = {};
  for (const args of commands) out[args.join(' ')] = await cli(db, ...args);
  return out;
}

/** The dashboard's reads, through the store as `serve --dashboard` opens it. */
async function dashboardReadings(db: string): Promise<unknown> {
  const store = await openStoreAt({ db, env: {} }, 'read-only');
  try {
    const now = Date.parse('2026-02-01T00:00:00Z');
    const hour = Date.parse('2026-01-15T10:00:00Z') / 3_600_000;
    return {
      decision: await store.audit.decision(7),
      missing: await store.audit.decision(999),
      timeline: await store.audit.timeline({ fromHour: hour - 1, buckets: 6, bucketHours: 1 }),
      denied: await store.audit.topDeniedImages({ since: 0, until: now, limit: 5, maxDecisions: 4 }),
      approvals: await Promise.all(
        (['active', 'expiring', 'expired', 'revoked'] as const).map((status) =>
          store.approvals.find({ status, now: Date.now(), expiringBefore: Date.now() + 40 * 86_400_000, limit: 10 }),
        ),
      ),
    };
  } finally {
    await store.close();
  }
}

it('copies SQLite to PostgreSQL and back, every command reading the same, the chains intact and the copy still writable', async () => {
  await seedSqlite();
  await cli(pg.url, 'migrate');
  const copied = await cli(sqlite, 'store', 'copy', '--from', sqlite, '--to', pg.url);
  const shown = pg.url.replace(/:[^:@/]+@/, ':***@');
  expect(copied.split('\n')).toEqual([
    `verified ${sqlite}: 30 decisions, 6 changes`,
    expect.stringMatching(new RegExp(`^copied \\d+ rows in 15 tables to ${shown.replace(/[?*]/g, '\\$&')}$`)),
    `verified ${shown}: 30 decisions, 6 changes`,
    '',
  ]);
  expect(copied).not.toContain(pg.url);
  const fromSqlite = await readings(sqlite);
  expect(await readings(pg.url)).toEqual(fromSqlite);
  const audited = (fromSqlite['audit --json --limit 1000'] ?? '').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(audited).toHaveLength(30);
  // Writer, cluster and signature evidence are carried, not merely equal because both are empty.
  expect(audited).toContainEqual(expect.objectContaining({ id: 2, writer: 'reviewer-1', cluster: 'prod-eu' }));
  expect(audited).toContainEqual(expect.objectContaining({ id: 1, writer: 'reviewer-0', cluster: null }));
  expect(audited).toContainEqual(expect.objectContaining({ id: 2, images: [expect.objectContaining({ signature: { ...SIGNATURE, verifiedAt: '2026-01-15T09:00:00.000Z' } })] }));

  // What the dashboard reads, too.
  expect(await dashboardReadings(pg.url)).toEqual(await dashboardReadings(sqlite));

  // Back to a new SQLite file: the same again.
  const back = tmp.file('back.db');
  await cli(pg.url, 'store', 'copy', '--from', pg.url, '--to', back);
  expect(await readings(back)).toEqual(fromSqlite);

  // The PostgreSQL copy goes on from the copied ids and chain heads.
  await cli(pg.url, 'approve', `docker.io/library/redis@sha256:${'3'.repeat(64)}`, '--offline');
  await cli(pg.url, 'exception', 'add', 'CVE-2024-2', '--expires', '7d', '--reason', 'r');
  const approvals = JSON.parse(await cli(pg.url, 'approvals', '--all', '--json')) as { repository: string }[];
  expect(approvals.map((a) => a.repository)).toContain('docker.io/library/redis');
  expect(await runSql('postgres', pg.url, 'SELECT max(id) AS id FROM approvals')).toEqual([{ id: 3 }]);
  expect(await runSql('postgres', pg.url, 'SELECT max(id) AS id FROM cve_exceptions')).toEqual([{ id: 2 }]);
  expect(await cli(pg.url, 'audit', 'verify')).toBe('audit chain ok: 30 decisions, 8 changes (approvals, exceptions, grants and scans match the change log)\n');
});

it('refuses a source whose chain does not verify, copying nothing', async () => {
  await seedSqlite();
  await runSql('sqlite', sqlite, "UPDATE decisions SET namespace = 'kube-system' WHERE id = 7");
  await cli(pg.url, 'migrate');
  const result = await runCli(sqlite, ['store', 'copy', '--from', sqlite, '--to', pg.url]);
  expect(result.status).toBe(1);
  expect(result.stderr).toBe(
    `error: the source store ${sqlite} does not verify, nothing copied: audit chain broken at decision 7: its hash does not match its contents (the decision, its images or its policy were edited)\n`,
  );
  expect(await runSql('postgres', pg.url, 'SELECT count(*) AS n FROM decisions')).toEqual([{ n: 0 }]);
  const toFile = await runCli(sqlite, ['store', 'copy', '--from', sqlite, '--to', tmp.file('never.db')]);
  expect(toFile.status).toBe(1);
  expect(fs.existsSync(tmp.file('never.db'))).toBe(false);
});

it('copies only into an empty, migrated store', async () => {
  await seedSqlite();
  const unmigrated = await runCli(sqlite, ['store', 'copy', '--from', sqlite, '--to', pg.url]);
  expect(unmigrated.status).toBe(1);
  expect(unmigrated.stderr).toContain('has no image-reviewer schema: run `image-reviewer migrate` first');
  await cli(pg.url, 'migrate');
  await cli(pg.url, 'approve', NGINX, '--offline');
  const busy = await runCli(sqlite, ['store', 'copy', '--from', sqlite, '--to', pg.url]);
  expect(busy).toMatchObject({ status: 1, stderr: 'error: the destination store is not empty (approvals holds 1 rows): copy into a new store\n' });
  const same = await runCliArgv(['store', 'copy', '--from', sqlite, '--to', sqlite]);
  expect(same).toMatchObject({ status: 2, stderr: 'error: --from and --to name the same store\n' });
});

it('audit verify on PostgreSQL names an edited decision, an edited rollup, a deleted reason row and an approval edited back to life', async () => {
  await seedSqlite();
  await cli(pg.url, 'migrate');
  await cli(sqlite, 'store', 'copy', '--from', sqlite, '--to', pg.url);
  const verify = () => runCli(pg.url, ['audit', 'verify']);
  await runSql('postgres', pg.url, 'UPDATE approvals SET revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL WHERE id = 2');
  expect((await verify()).stderr).toMatch(/^error: approvals row 2 \(docker\.io\/library\/busybox@sha256:2{64}\) differs from the change log: revoked_at is null where the change log says \S+Z \(change 3\); revoked_by is null where the change log says "tester" \(change 3\)/);
  // One row of the count (PostgreSQL keeps one per audit chain, migration 0005).
  await runSql('postgres', pg.url, "UPDATE decision_outcomes SET n = n + 1 WHERE ctid = (SELECT ctid FROM decision_outcomes WHERE outcome = 'denied' AND hour = 491242 LIMIT 1)");
  expect((await verify()).stderr).toContain(
    "error: audit index edited at decision 1: decision_outcomes gives 4 where the decisions give 3 for denied, hour 2026-01-15T10:00Z (the dashboard's chart would be wrong)\n",
  );
  await runSql('postgres', pg.url, 'DELETE FROM decision_reasons WHERE decision_id = 10');
  expect((await verify()).stderr).toContain("error: audit index edited at decision 10: its reason 'not-approved' is missing from decision_reasons (audit --reason would not find it)\n");
  // Each writer's chain on its own: the newest entry of reviewer-1's (decision 30) deleted, its head left as it
  // was: reported at the first id the deleted entry could have had (after reviewer-1's entry 14, decision 28).
  await runSql('postgres', pg.url, 'DELETE FROM decision_images WHERE decision_id = 30; DELETE FROM decisions WHERE id = 30');
  expect((await verify()).stderr).toContain(
    'error: audit chain broken at decision 29: entry 15 of the audit chain decisions/prod-eu/reviewer-1 is missing (deleted) (the head of the audit chain decisions/prod-eu/reviewer-1 records 15 entries)',
  );
  await runSql('postgres', pg.url, "UPDATE decisions SET namespace = 'kube-system' WHERE id = 7");
  const edited = await verify();
  expect(edited.status).toBe(1);
  expect(edited.stderr.split('\n')[0]).toBe(
    'error: audit chain broken at decision 7: its hash does not match its contents (the decision, its images or its policy were edited)',
  );
});

it('a checkpoint of the SQLite store verifies on its PostgreSQL copy, chain by chain, and catches a truncated writer chain there', async () => {
  await seedSqlite();
  const key = tmp.file('checkpoint.key');
  generateCheckpointKey(key);
  const db = openStore(sqlite, { migrate: 'apply' });
  const chains = readChainStates(db);
  db.close();
  expect(chains.map((c) => [c.chain, c.count])).toEqual([
    ['decisions/reviewer-0', 15],
    ['decisions/prod-eu/reviewer-1', 15],
    ['changes', 6],
  ]);
  const signed = signCheckpoint({ time: '2026-01-15T14:00:00.000Z', chains }, readCheckpointKey(key));
  const log = tmp.file('serve.log');
  fs.writeFileSync(log, `${JSON.stringify({ level: 'info', msg: CHECKPOINT_MSG, ...signed })}\n`);
  await cli(pg.url, 'migrate');
  await cli(sqlite, 'store', 'copy', '--from', sqlite, '--to', pg.url);
  expect(await cli(pg.url, 'audit', 'verify', '--checkpoints', log, '--public-key', key)).toMatch(
    /^audit chain ok: 30 decisions, 6 changes, consistent with 1 checkpoint\(s\), the newest 2026-01-15T14:00:00.000Z\n$/,
  );
  // reviewer-1's newest entry removed together with a rewind of its head: the store agrees with itself.
  await runSql(
    'postgres',
    pg.url,
    `DELETE FROM decision_images WHERE decision_id = 30; DELETE FROM decisions WHERE id = 30;
     UPDATE audit_chains SET count = 14, hash = (SELECT hash FROM decisions WHERE id = 28) WHERE writer = 'reviewer-1'`,
  );
  expect(await cli(pg.url, 'audit', 'verify')).toMatch(/^audit chain ok: 29 decisions, 6 changes /);
  const caught = await runCli(pg.url, ['audit', 'verify', '--checkpoints', log, '--public-key', key]);
  expect(caught.status).toBe(1);
  expect(caught.stderr).toMatch(/the decisions\/prod-eu\/reviewer-1 chain has 14 entries, fewer than the 15 of the checkpoint at line 1 .*: entries were deleted\n$/);
});
