import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { Pool } from 'undici';
import { type OwnPostgres, type TestDatabase, createTestDatabase, databaseUrl, startOwnPostgres, withAdmin } from '../helpers/postgres-server';
import { runCli } from '../helpers/run-cli';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// Replicas on one PostgreSQL store (issue 14, SPEC §6, §12), as processes: three `serve` replicas share approvals and
// the audit trail; one killed with SIGKILL under load loses no decision it answered; PostgreSQL stopped and started
// again under load turns reviews into 500s (never an allow) and /readyz into 503, and the replica recovers by itself.
// Bounds are generous (the machine is shared): the 1 s propagation figure comes from `npm run bench`, not from here.

const POLICY = path.resolve(__dirname, '../../policy/sample-policy.yaml');
const APPROVED = `registry.corp.example/replicas/app@sha256:${'a'.repeat(64)}`;
const UNAPPROVED = `registry.corp.example/replicas/other@sha256:${'b'.repeat(64)}`;
const LATER = `registry.corp.example/replicas/app@sha256:${'c'.repeat(64)}`;

interface Answer {
  readonly status: number;
  readonly id?: number;
  readonly namespace: string;
  readonly image: string;
  readonly allowed?: boolean;
  /** The body of an answer other than 200. */
  readonly error?: string;
}

let tmp: TempDir;
let servers: ServeProcess[] = [];

beforeEach(() => {
  tmp = makeTempDir('replicas-');
});
afterEach(() => tmp.cleanup());

async function cli(db: string, ...args: string[]): Promise<string> {
  const result = await runCli(db, args);
  if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function approve(db: string, image: string): Promise<void> {
  await cli(db, 'approve', image, '--offline');
  const report = tmp.file(`scan-${image.slice(-6)}.json`);
  fs.writeFileSync(report, JSON.stringify({ SchemaVersion: 2, CreatedAt: new Date().toISOString(), Metadata: { RepoDigests: [image] }, Results: [] }));
  await cli(db, 'scan', 'import', report);
}

async function replica(db: string, writer: string): Promise<ServeProcess> {
  const server = await startServeProcess(['--db', db, 'serve', '--policy', POLICY, '--listen', '127.0.0.1:0', '--writer-name', writer, '--cluster', 'test']);
  servers.push(server);
  return server;
}

function body(namespace: string, image: string): string {
  return JSON.stringify({ apiVersion: 'imagepolicy.k8s.io/v1alpha1', kind: 'ImageReview', spec: { containers: [{ image }], namespace } });
}

async function review(server: ServeProcess, image: string, namespace = 'default'): Promise<Answer> {
  const res = await fetch(`${server.baseUrl}/imagereview`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(namespace, image) });
  const answer = (await res.json()) as { status?: { allowed?: boolean; auditAnnotations?: Record<string, string> } };
  return { status: res.status, namespace, image, allowed: answer.status?.allowed, id: Number(answer.status?.auditAnnotations?.['decision-id']) };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Keeps `connections` reviews in flight against `server` until `running()` is false; every answer is kept. */
async function load(server: ServeProcess, tag: string, running: () => boolean, connections = 6): Promise<Answer[]> {
  const pool = new Pool(server.baseUrl, { connections, pipelining: 1 });
  const answers: Answer[] = [];
  let n = 0;
  const loop = async (): Promise<void> => {
    while (running()) {
      const namespace = `${tag}-${n++}`;
      const image = n % 3 === 0 ? UNAPPROVED : APPROVED;
      try {
        const res = await pool.request({ path: '/imagereview', method: 'POST', headers: { 'content-type': 'application/json' }, body: body(namespace, image) });
        const text = await res.body.text();
        if (res.statusCode !== 200) {
          answers.push({ status: res.statusCode, namespace, image, error: text.slice(0, 300) });
          continue;
        }
        const answer = JSON.parse(text) as { status: { allowed: boolean; auditAnnotations?: Record<string, string> } };
        answers.push({ status: 200, namespace, image, allowed: answer.status.allowed, id: Number(answer.status.auditAnnotations?.['decision-id']) });
      } catch {
        // The replica is gone (killed): its connections fail; nothing it did not answer counts.
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, loop));
  } finally {
    await pool.destroy();
  }
  return answers;
}

/** What the store holds for these ids: namespace and outcome, read directly. */
async function stored(url: string, ids: readonly number[]): Promise<Map<number, { namespace: string; allowed: number; writer: string }>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; namespace: string; allowed: number; writer: string }>(
      'SELECT d.id, d.namespace, d.allowed, c.writer FROM decisions d JOIN audit_chains c ON c.id = d.chain_id WHERE d.id = ANY($1::bigint[])',
      [ids],
    );
    return new Map(rows.map((r) => [Number(r.id), { namespace: r.namespace, allowed: r.allowed, writer: r.writer }]));
  } finally {
    await client.end();
  }
}

/** Each answered decision is stored as answered (same namespace, same outcome) and ids are unique. */
async function expectEveryAnswerStored(url: string, answers: readonly Answer[]): Promise<void> {
  const answered = answers.filter((a) => a.status === 200);
  const ids = answered.map((a) => a.id ?? 0);
  expect(new Set(ids).size).toBe(ids.length);
  const rows = await stored(url, ids);
  const missing = answered.filter((a) => {
    const row = rows.get(a.id ?? 0);
    return row === undefined || row.namespace !== a.namespace || row.allowed !== (a.allowed === true ? 1 : 0);
  });
  expect(missing).toEqual([]);
}

describe('three replicas on one PostgreSQL database', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop('SIGKILL');
    await database.drop();
  });

  it('share approvals, each records in its own chain, and one killed with SIGKILL under load loses no answered decision', async () => {
    const db = database.url;
    await cli(db, 'migrate');
    await approve(db, APPROVED);
    const replicas = [await replica(db, 'reviewer-0'), await replica(db, 'reviewer-1'), await replica(db, 'reviewer-2')];
    for (const r of replicas) expect(await review(r, LATER)).toMatchObject({ status: 200, allowed: false });

    // An approval made through the CLI reaches every replica, none restarted.
    await approve(db, LATER);
    for (const r of replicas) expect(await eventually(async () => (await review(r, LATER)).allowed === true)).toBe(true);

    let running = true;
    const [a, b, c] = replicas as [ServeProcess, ServeProcess, ServeProcess];
    const loads = [load(a, 'r0', () => running), load(b, 'r1', () => running), load(c, 'r2', () => running)];
    // Killed once it has answered under load, so the kill lands among commits in flight.
    expect(await eventually(async () => b.logs.filter((l) => l.msg === 'decision').length > 20)).toBe(true);
    await b.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    running = false;
    const answers = (await Promise.all(loads)).flat();
    expect(answers.filter((x) => x.status !== 200)).toEqual([]);
    expect(answers.filter((x) => x.image === UNAPPROVED && x.allowed !== false)).toEqual([]);
    await expectEveryAnswerStored(db, answers);

    // Started again under the same name, the killed replica continues its own chain.
    const again = await replica(db, 'reviewer-1');
    expect(await review(again, APPROVED, 'after-restart')).toMatchObject({ status: 200, allowed: true });
    for (const r of [a, c, again]) await r.stop();
    servers = [];
    expect(await cli(db, 'audit', 'verify')).toMatch(/^audit chain ok: \d+ decisions, /);
    const writers = new Set((await cli(db, 'audit', '--json', '--limit', '100000')).trim().split('\n').map((l) => (JSON.parse(l) as { writer: string }).writer));
    expect([...writers].sort()).toEqual(['reviewer-0', 'reviewer-1', 'reviewer-2']);
  });
});

describe('PostgreSQL stopped and started again under load', () => {
  let own: OwnPostgres;
  beforeEach(async () => {
    own = await startOwnPostgres();
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop('SIGKILL');
    own.remove();
  });

  it('answers 500 while it is down (never an allow), is not ready, and recovers without a restart', async () => {
    await withAdmin(own.server, (client) => client.query('CREATE DATABASE store'));
    const db = databaseUrl(own.server, 'store');
    await cli(db, 'migrate');
    await approve(db, APPROVED);
    const server = await replica(db, 'reviewer-0');
    expect(await review(server, APPROVED)).toMatchObject({ status: 200, allowed: true });

    let running = true;
    const loaded = load(server, 'restart', () => running, 4);
    expect(await eventually(async () => server.logs.filter((l) => l.msg === 'decision').length > 20)).toBe(true);
    own.stop();
    expect(await eventually(async () => (await review(server, APPROVED)).status === 500)).toBe(true);
    expect(await eventually(async () => (await fetch(`${server.baseUrl}/readyz`)).status === 503)).toBe(true);
    own.start();
    // Pool and notification listener reconnect by themselves: ready again, and reviews answered, same process.
    expect(await eventually(async () => (await fetch(`${server.baseUrl}/readyz`)).status === 200, 30_000)).toBe(true);
    expect(await eventually(async () => (await review(server, APPROVED)).allowed === true)).toBe(true);
    expect(await review(server, UNAPPROVED)).toMatchObject({ status: 200, allowed: false });
    running = false;
    const answers = await loaded;

    // While it was down, answers were 500s; never a 200 that allowed what is not approved.
    expect(answers.some((x) => x.status === 500)).toBe(true);
    expect(answers.filter((x) => x.status !== 200 && x.status !== 500)).toEqual([]);
    expect(answers.filter((x) => x.image === UNAPPROVED && x.status === 200 && x.allowed !== false)).toEqual([]);
    await expectEveryAnswerStored(db, answers);
    await server.stop();
    servers = [];
    expect(await cli(db, 'audit', 'verify')).toMatch(/^audit chain ok: \d+ decisions, /);
  });
});
