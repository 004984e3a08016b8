import { createAuditWriter } from '../../src/store/audit-log';
import { postgresAuditCommitter } from '../../src/store/postgres/audit-committer';
import { type PostgresStore, openPostgresStore } from '../../src/store/postgres/open-postgres-store';
import { decisionRecord, deniedRecord } from '../helpers/decision-record';
import { type TestDatabase, createTestSchema, dropFileDatabase } from '../helpers/postgres-server';
import { runCli } from '../helpers/run-cli';
import { runSql } from '../helpers/store-engines';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// The one audit writer (group commit) on PostgreSQL (issue 14, SPEC §6): two replicas appending at once each keep their
// own chain, ids unique across them, every acknowledged decision stored and verifying; a deleted head is refused.

let pg: TestDatabase;
let tmp: TempDir;
const stores: PostgresStore[] = [];

beforeEach(async () => {
  pg = await createTestSchema();
  tmp = makeTempDir('pg-audit-writer-');
  const migrated = await runCli(pg.url, ['migrate']);
  expect(migrated.status).toBe(0);
});
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  await pg.drop();
  tmp.cleanup();
});
afterAll(() => dropFileDatabase());

async function replica(writer: string, cluster: string | null) {
  const store = await openPostgresStore({ db: pg.url, env: {} }, 'read-write', { maxConnections: 4 });
  stores.push(store);
  return createAuditWriter(postgresAuditCommitter(store.pool, { writer, cluster }));
}

const cli = async (...args: string[]): Promise<string> => {
  const result = await runCli(pg.url, args);
  if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};

it('verifies a chain longer than one read range, whose decisions at the ranges\' edges have reason codes', async () => {
  // PostgreSQL's verify reads 2,000 decisions at a time; each range's last decision is finished by the next range.
  const writer = await replica('reviewer-0', null);
  const time = Date.parse('2026-01-15T10:00:00Z');
  const ids = await Promise.all(Array.from({ length: 4_001 }, (_, i) => writer.append(deniedRecord({ time: time + i }))));
  await writer.close();
  // Unique, though not dense: a batch takes its ids from the sequence ahead of time (spare ids).
  expect(new Set(ids).size).toBe(4_001);
  expect(await cli('audit', 'verify')).toBe('audit chain ok: 4001 decisions, 0 changes (approvals, exceptions, grants and scans match the change log)\n');
});

it('two replicas append side by side: unique ids, one chain each, every acknowledged decision verifies', async () => {
  const a = await replica('reviewer-0', null);
  const b = await replica('reviewer-1', 'prod-eu');
  const time = Date.parse('2026-01-15T10:00:00Z');
  const appends = Array.from({ length: 120 }, (_, i) => {
    const record = i % 4 === 0 ? deniedRecord({ time: time + i, namespace: `ns-${i % 3}` }) : decisionRecord({ time: time + i, namespace: `ns-${i % 3}` });
    return (i % 2 === 0 ? a : b).append(record);
  });
  const ids = await Promise.all(appends);
  expect(new Set(ids).size).toBe(120);
  // Concurrent reviews shared commits.
  expect(a.stats().commits).toBeLessThan(60);
  await a.close();
  await b.close();

  expect(await cli('audit', 'verify')).toBe('audit chain ok: 120 decisions, 0 changes (approvals, exceptions, grants and scans match the change log)\n');
  const chains = await runSql('postgres', pg.url, 'SELECT writer, cluster, count FROM audit_chains WHERE writer IS NOT NULL ORDER BY writer');
  expect(chains).toEqual([
    { writer: 'reviewer-0', cluster: null, count: 60 },
    { writer: 'reviewer-1', cluster: 'prod-eu', count: 60 },
  ]);
  const audited = (await cli('audit', '--json', '--limit', '500')).trim().split('\n').map((l) => JSON.parse(l) as { id: number; writer: string });
  expect(audited.map((d) => d.id).sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y));
  expect(audited.filter((d) => d.writer === 'reviewer-1')).toHaveLength(60);
  expect(await cli('audit', '--reason', 'not-approved', '--json')).toContain('"writer":"reviewer-0"');

  // The store moves to SQLite and back with its chains, and a replica goes on after the copied ids.
  const file = tmp.file('copy.db');
  await cli('store', 'copy', '--from', pg.url, '--to', file);
  expect((await runCli(file, ['audit', 'verify'])).stdout).toMatch(/^audit chain ok: 120 decisions/);
  const again = await replica('reviewer-0', null);
  const next = await again.append(decisionRecord({ time: time + 1000 }));
  expect(next).toBeGreaterThan(Math.max(...ids));
  await again.close();
  expect(await cli('audit', 'verify')).toMatch(/^audit chain ok: 121 decisions/);
});

it('refuses to record when its chain head is deleted while it writes, and never starts the chain again', async () => {
  const a = await replica('reviewer-0', null);
  await a.append(decisionRecord());
  await a.append(decisionRecord());
  await runSql('postgres', pg.url, "DELETE FROM audit_chains WHERE writer = 'reviewer-0'");
  await expect(a.append(decisionRecord())).rejects.toThrow(
    /the audit chain decisions\/reviewer-0 has no head, but this server recorded decisions up to 2: decisions were deleted or the head was edited/,
  );
  expect(await a.probe(30_000)).toMatchObject({ writable: false, problem: expect.stringContaining('has no head') });
  await a.close();
  // A replica starting afresh under that name is refused too: the chain's entries have no head.
  const b = await replica('reviewer-0', null);
  await expect(b.append(decisionRecord())).rejects.toThrow(/decisions of audit chain 2 are in the store but its head is missing/);
  await b.close();
  expect(await runSql('postgres', pg.url, 'SELECT count(*) AS n FROM decisions')).toEqual([{ n: 2 }]);
});

it('refuses to record when its chain\'s newest decision is deleted while it writes', async () => {
  const a = await replica('reviewer-0', null);
  await a.append(decisionRecord());
  await a.append(decisionRecord());
  await a.append(decisionRecord());
  await runSql('postgres', pg.url, "DELETE FROM decisions WHERE seq = 3 AND chain_id = (SELECT id FROM audit_chains WHERE writer = 'reviewer-0')");
  await expect(a.append(decisionRecord())).rejects.toThrow(
    /the head of the audit chain decisions\/reviewer-0 records 3 entries but its newest is entry 2 \(decision \d+\) \(or its hash differs\): decisions were deleted/,
  );
  await a.close();
  expect(await runSql('postgres', pg.url, 'SELECT count(*) AS n FROM decisions')).toEqual([{ n: 2 }]);
});

it('two processes started under one name take turns on its chain: each goes on after the other, and it verifies', async () => {
  // Each appends after the other's entries; ids taken ahead by one must not land below the other's newest.
  const a = await replica('reviewer-0', null);
  const b = await replica('reviewer-0', null);
  const time = Date.parse('2026-01-15T10:00:00Z');
  const ids: number[] = [];
  for (let i = 0; i < 6; i++) ids.push(await (i % 2 === 0 ? a : b).append(decisionRecord({ time: time + i })));
  // Then both at once, each round under a policy new to both, so both take the locked way (the policy is interned
  // there) and one waits for the other's lock.
  for (let round = 0; round < 20; round++) {
    const policyHash = String(round).repeat(64);
    ids.push(...(await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).append(deniedRecord({ time: time + 10 + i, policyHash }))))));
  }
  await a.close();
  await b.close();
  expect(new Set(ids).size).toBe(806);
  expect(a.health()).toMatchObject({ writable: true });
  expect(b.health()).toMatchObject({ writable: true });
  expect(await runSql('postgres', pg.url, "SELECT count FROM audit_chains WHERE writer = 'reviewer-0'")).toEqual([{ count: 806 }]);
  expect(await cli('audit', 'verify')).toBe('audit chain ok: 806 decisions, 0 changes (approvals, exceptions, grants and scans match the change log)\n');
});

it('counts a batch of decisions over two hours in the rollups, as audit stats reads them', async () => {
  const a = await replica('reviewer-0', null);
  const hour = Date.parse('2026-01-15T10:00:00Z');
  const records = [
    ...Array.from({ length: 30 }, (_, i) => decisionRecord({ time: hour + 3_000_000 + i * 10_000 })), // 10:50 to 10:55
    ...Array.from({ length: 20 }, (_, i) => deniedRecord({ time: hour + 3_600_000 + i, namespace: 'web' })), // 11:00
  ];
  await Promise.all(records.map((record) => a.append(record)));
  await a.close();
  expect(a.stats().commits).toBeLessThan(50);
  const counts = await runSql('postgres', pg.url, 'SELECT hour, namespace, allowed, sum(n)::int AS n FROM decision_counts GROUP BY 1, 2, 3 ORDER BY 1');
  expect(counts).toEqual([
    { hour: hour / 3_600_000, namespace: 'prod', allowed: 1, n: 30 },
    { hour: hour / 3_600_000 + 1, namespace: 'web', allowed: 0, n: 20 },
  ]);
  const reasons = await runSql('postgres', pg.url, 'SELECT hour, reason, sum(n)::int AS n FROM decision_reason_counts GROUP BY 1, 2 ORDER BY 2');
  expect(reasons).toEqual([
    { hour: hour / 3_600_000 + 1, reason: 'not-approved', n: 20 },
    { hour: hour / 3_600_000 + 1, reason: 'scan-missing', n: 20 },
  ]);
  expect(await cli('audit', 'verify')).toBe('audit chain ok: 50 decisions, 0 changes (approvals, exceptions, grants and scans match the change log)\n');
});
