import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type ServeProcess, CLI, startServeProcess } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// Faults of the store and the policy file (SPEC §2, §6): while the decision cannot be recorded the server
// answers 500 (never an allow), /readyz says why, /healthz still answers, it recovers by itself once the fault
// clears, and nothing already stored is lost. How each fault is made:
// - disk full: the store on a 12 MB tmpfs that a filler file fills (needs root and mount; skipped otherwise);
// - read-only store: `chattr +i` on the database and WAL files, which fails writes even on descriptors already open
//   (needs root and a filesystem with the immutable flag; skipped otherwise);
// - locked store: another connection holds the write lock longer than the busy timeout;
// - policy file replaced with garbage.
// Resolve mode's registry is not wired into `serve` yet, so "the registry hangs" has no case here.

const POLICY = path.resolve(__dirname, '../../policy/sample-policy.yaml');
const APPROVED = `registry.corp.example/faults/app@sha256:${'a'.repeat(64)}`;
const UNAPPROVED = `registry.corp.example/faults/app@sha256:${'b'.repeat(64)}`;
const IS_ROOT = process.getuid?.() === 0;

interface Answer {
  readonly status: number;
  readonly allowed: boolean | undefined;
  readonly id: number | undefined;
}

let dir: TempDir;
let server: ServeProcess | undefined;
let cleanups: (() => void)[] = [];

beforeEach(() => {
  dir = makeTempDir('faults-');
  cleanups = [];
});

afterEach(async () => {
  await server?.stop('SIGKILL');
  server = undefined;
  for (const undo of cleanups.reverse()) undo();
  dir.cleanup();
});

function cli(db: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, '--db', db, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI run without blocking this process, so reviews keep flowing while it writes. */
async function cliAsync(db: string, ...args: string[]): Promise<number> {
  try {
    await promisify(execFile)(process.execPath, [CLI, '--db', db, ...args]);
    return 0;
  } catch (err) {
    return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number' ? err.code : 1;
  }
}

function prepareStore(db: string): void {
  expect(cli(db, 'approve', APPROVED, '--offline').status).toBe(0);
  const report = path.join(path.dirname(db), 'scan.json');
  fs.writeFileSync(report, JSON.stringify({ SchemaVersion: 2, CreatedAt: new Date().toISOString(), Metadata: { RepoDigests: [APPROVED] }, Results: [] }));
  expect(cli(db, 'scan', 'import', report).status).toBe(0);
}

async function serve(db: string, policy = POLICY): Promise<ServeProcess> {
  server = await startServeProcess(['--db', db, 'serve', '--policy', policy, '--listen', '127.0.0.1:0']);
  return server;
}

async function review(s: ServeProcess, image: string, namespace = 'prod'): Promise<Answer> {
  const res = await fetch(`${s.baseUrl}/imagereview`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'imagepolicy.k8s.io/v1alpha1', kind: 'ImageReview', spec: { containers: [{ image }], namespace } }),
  });
  const body = (await res.json()) as { status?: { allowed?: boolean; auditAnnotations?: Record<string, string> } };
  const id = body.status?.auditAnnotations?.['decision-id'];
  return { status: res.status, allowed: body.status?.allowed, id: id === undefined ? undefined : Number(id) };
}

async function readyz(s: ServeProcess): Promise<{ status: number; text: string }> {
  const res = await fetch(`${s.baseUrl}/readyz`);
  return { status: res.status, text: await res.text() };
}

async function healthz(s: ServeProcess): Promise<number> {
  return (await fetch(`${s.baseUrl}/healthz`)).status;
}

/** Polls until `check` holds, for at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Reviews until the first 500 (at most `max`); returns every answer. */
async function reviewUntilFailing(s: ServeProcess, max: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < max; i++) {
    const a = await review(s, i % 2 === 0 ? APPROVED : UNAPPROVED);
    answers.push(a);
    if (a.status === 500) break;
  }
  return answers;
}

/** The decisions answered earlier are all still there, and the chain and the file are sound. */
function expectStoreIntact(db: string, ids: readonly number[]): void {
  const conn = new Database(db, { readonly: true });
  try {
    const found = conn.prepare<[string], { n: number }>('SELECT count(*) AS n FROM decisions WHERE id IN (SELECT value FROM json_each(?))').get(JSON.stringify(ids));
    expect(found?.n).toBe(ids.length);
    expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    conn.close();
  }
  const verify = cli(db, 'audit', 'verify');
  expect({ status: verify.status, stderr: verify.stderr }).toEqual({ status: 0, stderr: '' });
}

function answeredIds(answers: readonly Answer[]): number[] {
  return answers.filter((a) => a.status === 200 && a.id !== undefined).map((a) => a.id!);
}

function tryMountTmpfs(target: string, sizeMb: number): boolean {
  if (!IS_ROOT) return false;
  fs.mkdirSync(target, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', target]).status === 0;
}

function fillDisk(file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const size of [1 << 20, 4096, 512]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          fs.writeSync(fd, chunk);
        } catch {
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

const canMount = ((): boolean => {
  if (!IS_ROOT) return false;
  const probe = makeTempDir('faults-mount-probe-');
  const ok = tryMountTmpfs(probe.file('m'), 1);
  if (ok) spawnSync('umount', [probe.file('m')]);
  probe.cleanup();
  return ok;
})();

(canMount ? it : it.skip)('answers 500 while the disk is full, and recovers when space is freed', async () => {
  const mount = dir.file('small');
  expect(tryMountTmpfs(mount, 12)).toBe(true);
  cleanups.push(() => spawnSync('umount', ['-l', mount]));
  const db = path.join(mount, 'store.db');
  prepareStore(db);
  const s = await serve(db);
  const before = [await review(s, APPROVED), await review(s, UNAPPROVED)];
  expect(before.map((a) => [a.status, a.allowed])).toEqual([[200, true], [200, false]]);

  const filler = path.join(mount, 'filler');
  fillDisk(filler);
  // The WAL may still have room for a few commits; keep reviewing until the store refuses one.
  const during = await reviewUntilFailing(s, 3000);
  expect(during.at(-1)?.status).toBe(500);
  expect(during.filter((a) => a.status !== 200 && a.status !== 500)).toEqual([]);
  // Reviews answer 500 or, when a commit still fits, 200 with a recorded decision: never an unrecorded allow.
  const probing: Answer[] = [];
  const seen = await eventually(async () => {
    probing.push(await review(s, APPROVED));
    const r = await readyz(s);
    return r.status === 503;
  }, 5000);
  expect(seen).toBe(true);
  expect(probing.filter((a) => a.status !== 200 && a.status !== 500)).toEqual([]);
  expect(await healthz(s)).toBe(200);

  fs.rmSync(filler);
  expect(await eventually(async () => (await readyz(s)).status === 200, 12_000)).toBe(true);
  const after = await review(s, APPROVED);
  expect([after.status, after.allowed]).toEqual([200, true]);
  await s.stop();
  expectStoreIntact(db, [...answeredIds(before), ...answeredIds(during), ...answeredIds(probing), after.id!]);
}, 45_000);

const canMakeImmutable = ((): boolean => {
  if (!IS_ROOT) return false;
  const probe = makeTempDir('faults-chattr-probe-');
  const file = probe.file('f');
  fs.writeFileSync(file, '');
  const ok = spawnSync('chattr', ['+i', file]).status === 0;
  if (ok) spawnSync('chattr', ['-i', file]);
  probe.cleanup();
  return ok;
})();

(canMakeImmutable ? it : it.skip)('answers 500 while the store is read-only, and recovers when it is writable again', async () => {
  const db = dir.file('store.db');
  prepareStore(db);
  const s = await serve(db);
  const before = [await review(s, APPROVED), await review(s, UNAPPROVED)];
  expect(before.map((a) => a.status)).toEqual([200, 200]);

  // The database and its WAL; not the -shm index, which SQLite maps into memory: a write to the mapping of an
  // immutable file is a SIGBUS, a fault of the test's making that no read-only volume produces.
  const files = [db, `${db}-wal`].filter((f) => fs.existsSync(f));
  const writable = (): void => void spawnSync('chattr', ['-i', ...files]);
  cleanups.push(writable);
  expect(spawnSync('chattr', ['+i', ...files]).status).toBe(0);
  const during = [await review(s, APPROVED), await review(s, UNAPPROVED), await review(s, APPROVED)];
  expect(during.map((a) => [a.status, a.allowed])).toEqual([[500, undefined], [500, undefined], [500, undefined]]);
  expect((await readyz(s)).status).toBe(503);
  expect(await healthz(s)).toBe(200);

  writable();
  expect(await eventually(async () => (await readyz(s)).status === 200, 12_000)).toBe(true);
  const after = await review(s, APPROVED);
  expect([after.status, after.allowed]).toEqual([200, true]);
  await s.stop();
  expectStoreIntact(db, [...answeredIds(before), after.id!]);
}, 45_000);

it('answers 500 while another connection holds the write lock past the busy timeout, then recovers', async () => {
  const db = dir.file('store.db');
  prepareStore(db);
  const s = await serve(db);
  const before = await review(s, APPROVED);
  expect(before.status).toBe(200);

  const other = new Database(db, { timeout: 1000 });
  cleanups.push(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  try {
    const started = Date.now();
    const locked = review(s, APPROVED);
    // The event loop is free while the writer waits for the lock: health and readiness answer at once.
    expect(await healthz(s)).toBe(200);
    // Readiness turns once the commit has waited longer than a probe may (0.8 s).
    await new Promise((r) => setTimeout(r, 1000));
    const ready = await readyz(s);
    expect(ready.status).toBe(503);
    expect(ready.text).toMatch(/store locked/);
    expect(Date.now() - started).toBeLessThan(3000);
    const answer = await locked;
    expect({ status: answer.status, allowed: answer.allowed }).toEqual({ status: 500, allowed: undefined });
  } finally {
    other.exec('ROLLBACK');
  }
  expect(await eventually(async () => (await readyz(s)).status === 200, 12_000)).toBe(true);
  const after = await review(s, APPROVED);
  expect([after.status, after.allowed]).toEqual([200, true]);
  await s.stop();
  expectStoreIntact(db, [before.id!, after.id!]);
}, 45_000);

it('never fails a review with SQLITE_BUSY while CLI writes run under load', async () => {
  const db = dir.file('store.db');
  prepareStore(db);
  const s = await serve(db);
  let stop = false;
  const answers: Answer[] = [];
  const loops = Array.from({ length: 8 }, async () => {
    while (!stop) answers.push(await review(s, answers.length % 3 === 0 ? UNAPPROVED : APPROVED));
  });
  const report = dir.file('scan2.json');
  for (let i = 0; i < 4; i++) {
    const digest = `sha256:${String(i).repeat(64)}`;
    expect(await cliAsync(db, 'approve', `registry.corp.example/faults/other@${digest}`, '--offline')).toBe(0);
    fs.writeFileSync(report, JSON.stringify({ SchemaVersion: 2, CreatedAt: new Date().toISOString(), Metadata: { RepoDigests: [`registry.corp.example/faults/other@${digest}`] }, Results: [] }));
    expect(await cliAsync(db, 'scan', 'import', report)).toBe(0);
  }
  stop = true;
  await Promise.all(loops);
  expect(answers.length).toBeGreaterThan(50);
  expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  await s.stop();
  expectStoreIntact(db, answeredIds(answers));
}, 180_000);

it('keeps the previous policy when the policy file is replaced with garbage', async () => {
  const db = dir.file('store.db');
  prepareStore(db);
  const policy = dir.file('policy.yaml');
  fs.copyFileSync(POLICY, policy);
  const s = await serve(db, policy);
  expect([(await review(s, APPROVED)).allowed, (await review(s, UNAPPROVED)).allowed]).toEqual([true, false]);

  // Replaced as a ConfigMap update does it: a new file renamed over the old one.
  fs.writeFileSync(`${policy}.new`, '{{{ not: [yaml\u0000\u00ff');
  fs.renameSync(`${policy}.new`, policy);
  expect(await eventually(async () => s.logs.some((l) => l.msg === 'policy reload refused; the previous policy stays in force'), 5000)).toBe(true);
  // dev-* is dry-run in the policy still in force: the unapproved image is answered allowed there.
  const answers = [await review(s, APPROVED), await review(s, UNAPPROVED), await review(s, UNAPPROVED, 'dev-x')];
  expect(answers.map((a) => [a.status, a.allowed])).toEqual([[200, true], [200, false], [200, true]]);
  expect((await readyz(s)).status).toBe(200);
});
