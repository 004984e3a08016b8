import fs from 'node:fs';
import path from 'node:path';
import { type TestDatabase, createTestSchema, dropFileDatabase, testPostgres } from '../helpers/postgres-server';
import { runCli, seedCli } from '../helpers/run-cli';
import { startServeInProcess } from '../helpers/serve-in-process';
import type { ServeHandle } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// `serve` on a PostgreSQL store (issue 14, SPEC §6): the same decisions and audit rows as on SQLite, read through the
// replica's facts cache (kept current by LISTEN/NOTIFY), committed to the replica's own chain; a store without the
// schema refused at start; the password never logged. Several replicas as processes, kill -9 and a PostgreSQL restart
// are in test/crash/replicas.test.ts.

const POLICY = path.resolve(__dirname, '../../policy/sample-policy.yaml');
const APPROVED = `registry.corp.example/pg/app@sha256:${'c'.repeat(64)}`;
const LATER = `registry.corp.example/pg/app@sha256:${'d'.repeat(64)}`;

let pg: TestDatabase;
let tmp: TempDir;
let server: ServeHandle | undefined;

beforeEach(async () => {
  pg = await createTestSchema();
  tmp = makeTempDir('serve-pg-');
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await pg.drop();
  tmp.cleanup();
});
afterAll(() => dropFileDatabase());

const cli = async (...args: string[]): Promise<string> => {
  const result = await runCli(pg.url, args);
  if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};

/** Approved and scanned clean, as an operator would. */
async function approve(image: string): Promise<void> {
  await seedCli(pg.url, ['approve', image, '--offline']);
  const report = tmp.file(`scan-${image.slice(-8)}.json`);
  fs.writeFileSync(report, JSON.stringify({ SchemaVersion: 2, CreatedAt: new Date().toISOString(), Metadata: { RepoDigests: [image] }, Results: [] }));
  await seedCli(pg.url, ['scan', 'import', report]);
}

async function review(image: string, namespace = 'payments'): Promise<{ status: number; allowed?: boolean; reason?: string }> {
  const res = await fetch(`${server?.baseUrl}/imagereview`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'imagepolicy.k8s.io/v1alpha1', kind: 'ImageReview', spec: { containers: [{ image }], namespace } }),
  });
  if (res.status !== 200) return { status: res.status };
  const body = (await res.json()) as { status: { allowed: boolean; reason?: string } };
  return { status: 200, allowed: body.status.allowed, reason: body.status.reason };
}

/** Polls until `check` holds: changes reach a replica through a notification, a little after the CLI returns. */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

const serve = (...extra: string[]) =>
  startServeInProcess(['--db', pg.url, 'serve', '--policy', POLICY, '--listen', '127.0.0.1:0', '--writer-name', 'reviewer-0', '--cluster', 'prod-eu', ...extra]);

it('decides and records on PostgreSQL as on SQLite: allowed, denied with the reason, each row in the replica\u2019s chain', async () => {
  await cli('migrate');
  await approve(APPROVED);
  server = await serve('--dashboard', '127.0.0.1:0');
  expect(await review(APPROVED)).toEqual({ status: 200, allowed: true, reason: '1 image approved' });
  const denied = await review(LATER);
  expect(denied).toMatchObject({ status: 200, allowed: false });
  expect(denied.reason).toContain('not-approved');
  expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);
  // The store's size is PostgreSQL's own monitoring's business; every other metric is there.
  const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
  expect(metrics).toContain('image_reviewer_reviews_total{decision="allowed"');
  expect(metrics).not.toContain('image_reviewer_store_size_bytes');
  expect(metrics).toMatch(/^image_reviewer_audit_commit_decisions_sum 2$/m);
  // The dashboard reads the same PostgreSQL store, and its background walk (a thread with a pool of its own) verifies
  // the chain there.
  const dashboard = String(server.logs.find((l) => l.msg === 'dashboard')?.url);
  const listed = (await (await fetch(`${dashboard}decisions.json?namespace=payments`)).text()).trim().split('\n');
  expect(listed).toHaveLength(2);
  const { id } = JSON.parse(listed[0] ?? '{}') as { id: number };
  const detail = async (): Promise<string> => (await fetch(`${dashboard}decisions/${id}`)).text();
  expect(await eventually(async () => /chain verified up to decision \d+ at /.test(await detail()))).toBe(true);
  await server.stop();
  server = undefined;

  const rows = (await cli('audit', '--json')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(rows).toEqual([
    expect.objectContaining({ allowed: false, namespace: 'payments', writer: 'reviewer-0', cluster: 'prod-eu' }),
    expect.objectContaining({ allowed: true, namespace: 'payments', writer: 'reviewer-0', cluster: 'prod-eu' }),
  ]);
  expect(await cli('audit', 'verify')).toMatch(/^audit chain ok: 2 decisions, /);
});

it('puts an approval and a revocation made through the CLI in force on the running replica, without a restart', async () => {
  await cli('migrate');
  await approve(APPROVED);
  server = await serve();
  expect(await review(LATER)).toMatchObject({ allowed: false });
  await approve(LATER);
  expect(await eventually(async () => (await review(LATER)).allowed === true)).toBe(true);
  await cli('revoke', LATER, '--reason', 'CVE-2026-0001');
  expect(await eventually(async () => (await review(LATER)).allowed === false)).toBe(true);
  expect((await review(LATER)).reason).toContain('revoked');
});

it('refuses to start on a database without the schema, naming the command that makes it, and never migrates it', async () => {
  const result = await runCli(pg.url, ['serve', '--policy', POLICY, '--listen', '127.0.0.1:0']);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/has no image-reviewer schema: run `image-reviewer migrate` first\n$/);
  expect(result.stderr).not.toContain((await testPostgres()).password);
  expect(await runCli(pg.url, ['audit', 'verify'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/no image-reviewer schema/) });
});

it('never logs the password, and signs checkpoints of the PostgreSQL chains that audit verify accepts', async () => {
  await cli('migrate');
  await approve(APPROVED);
  const key = tmp.file('checkpoint.key');
  fs.writeFileSync(`${key}.pub`, await cli('checkpoint', 'keygen', '--out', key));
  server = await serve('--checkpoint-key', key);
  expect(await review(APPROVED)).toMatchObject({ allowed: true });
  await server.stop();
  const lines = server.logs;
  server = undefined;
  const { password } = await testPostgres();
  expect(JSON.stringify(lines)).not.toContain(password);
  expect(lines.find((l) => l.msg === 'serving')?.store).toMatch(/^postgres:\/\/[^:]+:\*\*\*@/);
  // Stopped: every line is in. The shutdown checkpoint covers the decision just made and both operator changes.
  const shutdown = lines.find((l) => l.msg === 'checkpoint' && l.reason === 'shutdown');
  expect(shutdown?.checkpoint).toHaveProperty(
    'chains',
    expect.arrayContaining([expect.objectContaining({ chain: 'decisions/prod-eu/reviewer-0', count: 1 }), expect.objectContaining({ chain: 'changes', count: 2 })]),
  );
  const file = tmp.file('checkpoints.log');
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
  expect(await cli('audit', 'verify', '--checkpoints', file, '--public-key', `${key}.pub`)).toMatch(/consistent with 1 checkpoint\(s\)/);
});
