import fs from 'node:fs';
import Database from 'better-sqlite3';
import { rebuildDecisionRollups } from '../../src/store/sqlite/rebuild-rollups';
import { runCli } from '../helpers/run-cli';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// Issue 10 item 3, SPEC §6: truncating the store (deleting the newest decisions and rewinding audit_head) passes
// `audit verify` alone; signed checkpoints written to the log by `serve` make it fail.

let dir: TempDir;
let db: string;
let server: ServeProcess | undefined;

beforeEach(() => {
  dir = makeTempDir('checkpoints-');
  db = dir.file('store.db');
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  dir.cleanup();
});

const cli = (...args: string[]) => runCli(db, args);

async function review(baseUrl: string, namespace: string): Promise<number> {
  const res = await fetch(`${baseUrl}/imagereview`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'imagepolicy.k8s.io/v1alpha1',
      kind: 'ImageReview',
      spec: { containers: [{ image: `registry.corp.example/app@sha256:${'a'.repeat(64)}` }], namespace },
    }),
  });
  await res.text();
  return res.status;
}

/** Runs serve with a checkpoint key, records `n` decisions, stops it, and returns the log file it wrote. */
async function serveAndRecord(n: number, key: string): Promise<string> {
  server = await startServeProcess(['--db', db, 'serve', '--listen', '127.0.0.1:0', '--checkpoint-interval', '1s', '--writer-name', 'reviewer-0'], {
    IMAGE_REVIEWER_CHECKPOINT_KEY: key,
  });
  for (let i = 0; i < n; i++) expect(await review(server.baseUrl, `ns-${i}`)).toBe(200);
  expect(await server.stop()).toBe(0);
  const log = dir.file('serve.log');
  // Other lines (decisions, start-up, text that is not JSON) are ignored by `audit verify --checkpoints`.
  fs.writeFileSync(log, ['not json', ...server.logs.map((l) => JSON.stringify(l))].join('\n') + '\n');
  return log;
}

function truncateTo(keep: number): void {
  const conn = new Database(db);
  try {
    conn.exec(`DELETE FROM decision_reasons WHERE decision_id > ${keep}; DELETE FROM decision_images WHERE decision_id > ${keep};
               DELETE FROM decisions WHERE id > ${keep};
               UPDATE audit_chains SET count = ${keep}, hash = (SELECT hash FROM decisions WHERE id = ${keep}) WHERE writer = 'reviewer-0'`);
  } finally {
    conn.close();
  }
}

it('keygen writes a 0600 private key, prints the public key, and never replaces a key', async () => {
  const key = dir.file('checkpoint.key');
  const made = await cli('checkpoint', 'keygen', '--out', key);
  expect(made).toMatchObject({ status: 0, stderr: '' });
  expect(made.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
  expect(fs.statSync(key).mode & 0o777).toBe(0o600);
  expect(fs.readFileSync(key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  expect(await cli('checkpoint', 'keygen', '--out', key)).toEqual({
    status: 1,
    stdout: '',
    stderr: `error: ${key} already exists; refusing to replace a key\n`,
  });
});

it('serve logs signed checkpoints; audit verify --checkpoints catches a truncation that audit verify alone misses', async () => {
  const key = dir.file('checkpoint.key');
  const pub = dir.file('checkpoint.pub');
  fs.writeFileSync(pub, (await cli('checkpoint', 'keygen', '--out', key)).stdout);
  const log = await serveAndRecord(5, key);

  const last = server?.logs.filter((l) => l.msg === 'checkpoint').pop();
  expect(last).toMatchObject({
    level: 'info',
    reason: 'shutdown',
    checkpoint: {
      time: expect.any(String),
      chains: [
        { chain: 'decisions/reviewer-0', count: 5, head: expect.stringMatching(/^[0-9a-f]{64}$/) },
        { chain: 'changes', count: 0, head: '0'.repeat(64) },
      ],
    },
    publicKey: expect.any(String),
    signature: expect.any(String),
  });
  const ok = await cli('audit', 'verify', '--checkpoints', log, '--public-key', pub);
  expect(ok).toMatchObject({ status: 0, stderr: '' });
  expect(ok.stdout).toMatch(/^audit chain ok: 5 decisions, 0 changes, consistent with \d+ checkpoint\(s\), the newest \S+Z\n$/);

  truncateTo(3);
  // Done carelessly, the rollups still count the deleted decisions (the writer counts what it committed).
  expect(await cli('audit', 'verify')).toMatchObject({ status: 1, stderr: expect.stringMatching(/^error: audit index edited at decision \d+: decision_\w+ gives 5 where the decisions give 3 /) });
  // The careful attack: the rollups recounted, the chain that is left and its counts are consistent.
  const conn = new Database(db);
  conn.transaction(() => rebuildDecisionRollups(conn))();
  conn.close();
  expect(await cli('audit', 'verify')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^audit chain ok: 3 decisions, 0 changes /) });
  const caught = await cli('audit', 'verify', '--checkpoints', log, '--public-key', pub);
  expect(caught.status).toBe(1);
  expect(caught.stdout).toBe('');
  // The first checkpoint past 3 is named: an interval checkpoint may fall between the 4th and 5th decision on a
  // loaded machine, so it may hold 4.
  expect(caught.stderr).toMatch(
    new RegExp(`^error: audit chain does not match ${log}: the decisions/reviewer-0 chain has 3 entries, fewer than the [45] of the checkpoint at line \\d+ \\(\\S+\\): entries were deleted\\n$`),
  );
});

it('checkpoints the change log too: a consistent truncation of it (newest change and its effect removed) is caught', async () => {
  const key = dir.file('checkpoint.key');
  await cli('checkpoint', 'keygen', '--out', key);
  const digest = `registry.corp.example/app@sha256:${'a'.repeat(64)}`;
  expect((await cli('approve', digest, '--offline')).status).toBe(0);
  expect((await cli('revoke', digest)).status).toBe(0);
  const log = await serveAndRecord(1, key);
  expect(server?.logs.filter((l) => l.msg === 'checkpoint').pop()).toMatchObject({
    checkpoint: { chains: [{ chain: 'decisions/reviewer-0', count: 1 }, { chain: 'changes', count: 2, head: expect.stringMatching(/^[0-9a-f]{64}$/) }] },
  });

  // The attack: the revocation and its log entry are removed, and the head rewound, so the store agrees with itself.
  const conn = new Database(db);
  try {
    conn.exec(`DROP TRIGGER change_log_never_deleted; DELETE FROM change_log WHERE id = 2;
               UPDATE change_log_head SET change_id = 1, hash = (SELECT hash FROM change_log WHERE id = 1);
               UPDATE approvals SET revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL`);
  } finally {
    conn.close();
  }
  expect(await cli('audit', 'verify')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^audit chain ok: 1 decisions, 1 changes /) });
  const caught = await cli('audit', 'verify', '--checkpoints', log);
  expect({ status: caught.status, stdout: caught.stdout }).toEqual({ status: 1, stdout: '' });
  expect(caught.stderr).toMatch(
    new RegExp(`^error: audit chain does not match ${log}: the changes chain has 1 entries, fewer than the 2 of the checkpoint at line \\d+ \\(\\S+\\): entries were deleted\\n$`),
  );
});

it('refuses checkpoints signed by another key, edited checkpoints, and a file without any', async () => {
  const key = dir.file('checkpoint.key');
  await cli('checkpoint', 'keygen', '--out', key);
  const otherPub = dir.file('other.pub');
  fs.writeFileSync(otherPub, (await cli('checkpoint', 'keygen', '--out', dir.file('other.key'))).stdout);
  const log = await serveAndRecord(2, key);

  const wrongKey = await cli('audit', 'verify', '--checkpoints', log, '--public-key', otherPub);
  expect(wrongKey.status).toBe(1);
  expect(wrongKey.stderr).toMatch(/is signed by another key than the given public key\n$/);

  const edited = dir.file('edited.log');
  fs.writeFileSync(edited, fs.readFileSync(log, 'utf8').replace(/"count":2/g, '"count":1'));
  const forged = await cli('audit', 'verify', '--checkpoints', edited);
  expect(forged.status).toBe(1);
  expect(forged.stderr).toMatch(/has an invalid signature \(edited or forged\)\n$/);

  const empty = dir.file('empty.log');
  fs.writeFileSync(empty, 'nothing here\n');
  expect(await cli('audit', 'verify', '--checkpoints', empty)).toEqual({
    status: 1,
    stdout: '',
    stderr: `error: audit chain does not match ${empty}: no checkpoint found\n`,
  });
  expect(await cli('audit', 'verify', '--public-key', otherPub)).toMatchObject({ status: 2, stderr: 'error: --public-key needs --checkpoints\n' });
});
