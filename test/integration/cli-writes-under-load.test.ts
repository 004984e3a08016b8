import { execFile } from 'node:child_process';
import path from 'node:path';
import { Pool } from 'undici';
import { seedCli } from '../helpers/run-cli';
import { CLI, type ServeProcess, startServeProcess } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// SPEC §6: CLI writes and the server never fail each other. A real `serve` records reviews as fast as this
// process can send them while operators revoke, approve and grant break-glass from the CLI: every CLI write
// must succeed (no `database is locked`), and every review must be answered 200.

const POLICY = path.resolve(__dirname, '../../policy/sample-policy.yaml');
const APPROVED = `registry.corp.example/load/app@sha256:${'a'.repeat(64)}`;
const CONNECTIONS = 16;
const ROUNDS = 4;
/** Bounds of the load, whatever happens: it stops when the CLI rounds are done, or at these. */
const MAX_REVIEWS = 500_000;
const MAX_LOAD_MS = 240_000;

let dir: TempDir;
let db: string;
let server: ServeProcess | undefined;

beforeEach(() => {
  dir = makeTempDir('cli-load-');
  db = dir.file('store.db');
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  dir.cleanup();
});

interface Outcome {
  readonly args: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const env = { ...process.env, IMAGE_REVIEWER_ACTOR: 'load-test' };
    execFile(process.execPath, [CLI, '--db', db, ...args], { env }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ args, code, stdout, stderr });
    });
  });
}

function review(namespace: string): string {
  return JSON.stringify({
    apiVersion: 'imagepolicy.k8s.io/v1alpha1',
    kind: 'ImageReview',
    spec: { containers: [{ image: APPROVED }], namespace },
    status: { allowed: false },
  });
}

interface Load {
  stop: boolean;
  answered: number;
  readonly wrong: string[];
}

async function driveLoad(baseUrl: string, load: Load): Promise<void> {
  const pool = new Pool(baseUrl, { connections: CONNECTIONS, pipelining: 1 });
  const started = Date.now();
  let sent = 0;
  const loop = async (): Promise<void> => {
    while (!load.stop && sent < MAX_REVIEWS && Date.now() - started < MAX_LOAD_MS) {
      sent += 1;
      const res = await pool.request({
        path: '/imagereview',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: review(`load-${sent}`),
      });
      const text = await res.body.text();
      if (res.statusCode === 200) load.answered += 1;
      else load.wrong.push(`${res.statusCode}: ${text}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  } finally {
    await pool.destroy();
  }
}

async function untilAnswered(load: Load, n: number): Promise<void> {
  while (load.answered < n && load.wrong.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
}

it('revoke, approve and break-glass writes all succeed while serve records reviews under load', async () => {
  await seedCli(db, ['approve', APPROVED, '--offline']);
  server = await startServeProcess(['--db', db, 'serve', '--policy', POLICY, '--listen', '127.0.0.1:0']);
  const load: Load = { stop: false, answered: 0, wrong: [] };
  const running = driveLoad(server.baseUrl, load);
  const outcomes: Outcome[] = [];
  let answeredDuringWrites = 0;
  try {
    await untilAnswered(load, 100);
    const before = load.answered;
    for (let round = 0; round < ROUNDS; round++) {
      const ref = `registry.corp.example/load/app@sha256:${round.toString(16).padStart(64, 'c')}`;
      outcomes.push(await cli(['approve', ref, '--offline', '--reason', 'load test']));
      outcomes.push(await cli(['revoke', ref, '--reason', 'load test']));
      const grant = await cli(['break-glass', 'grant', '--namespace', 'prod', '--ticket', `INC-${round}`, '--expires', '1h']);
      outcomes.push(grant);
      const id = /granted break-glass (\d+)/.exec(grant.stdout)?.[1] ?? 'none';
      outcomes.push(await cli(['break-glass', 'revoke', id]));
    }
    answeredDuringWrites = load.answered - before;
  } finally {
    load.stop = true;
    await running;
  }
  expect(outcomes.filter((o) => o.code !== 0)).toEqual([]);
  expect(outcomes).toHaveLength(ROUNDS * 4);
  expect(load.wrong).toEqual([]);
  // The writes overlapped the load (otherwise this test proves nothing).
  expect(answeredDuringWrites).toBeGreaterThan(ROUNDS * 4);
}, 300_000);
