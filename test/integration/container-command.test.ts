import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// No Docker engine runs here, so the image's command is tested directly (SPEC §10): `node dist/cli.js serve` as the
// image's numeric non-root user 10001, from a code tree it cannot write (root-owned, as in the runtime stage), with
// the store in a separate directory that is the only writable place (the image's /data volume).

const ROOT = path.resolve(__dirname, '../..');
const SERVICE_UID = 10001;
/** Root can run a child as 10001, and 10001 can read the checkout (not so under a 0700 parent directory). */
function serviceUserCanRun(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(path.join(ROOT, 'dist/cli.js'))})`], {
    uid: SERVICE_UID,
    gid: SERVICE_UID,
  });
  return probe.status === 0;
}
const canSwitchUser = serviceUserCanRun();
const DIGEST = `sha256:${'d4'.repeat(32)}`;

let dir: TempDir;
let server: ServeProcess | undefined;

beforeEach(() => {
  dir = makeTempDir('container-');
  // mkdtemp makes a 0700 directory; the service user must reach its data directory inside it, as a volume mount.
  fs.chmodSync(dir.path, 0o755);
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  dir.cleanup();
});

if (!canSwitchUser) {
  console.warn('container-command.test.ts: SKIPPED: needs root, and a checkout that uid 10001 can read, to run serve as the image user');
}
const maybe = canSwitchUser ? it : it.skip;

maybe('serves as uid 10001 with a read-only code tree and writes only to the store directory', async () => {
  const data = dir.file('data');
  fs.mkdirSync(data);
  fs.chownSync(data, SERVICE_UID, SERVICE_UID);
  const before = fs.statSync(path.join(ROOT, 'dist')).mtimeMs;

  server = await startServeProcess(
    ['--db', path.join(data, 'image-reviewer.db'), 'serve', '--listen', '127.0.0.1:0', '--policy', path.join(ROOT, 'policy/sample-policy.yaml')],
    { HOME: '/nonexistent', TMPDIR: data },
    { uid: SERVICE_UID, gid: SERVICE_UID, cwd: '/' },
  );
  // The code tree is read-only to the service user, as the image's root-owned /app is.
  const write = spawnSync(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(path.join(ROOT, 'dist', 'probe'))}, '')`], {
    uid: SERVICE_UID,
    gid: SERVICE_UID,
  });
  expect(write.status).not.toBe(0);
  expect(write.stderr.toString()).toContain('EACCES');
  const ready = await fetch(`${server.baseUrl}/readyz`);
  expect(await ready.text()).toBe('ok');

  const response = await fetch(`${server.baseUrl}/imagereview`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'imagepolicy.k8s.io/v1alpha1',
      kind: 'ImageReview',
      spec: { containers: [{ image: `localhost:5000/team/api@${DIGEST}` }], namespace: 'payments' },
    }),
  });
  expect(response.status).toBe(200);
  expect(((await response.json()) as { status: { allowed: boolean } }).status.allowed).toBe(false);

  // The store and its WAL were created by the service user in the data directory, and nowhere else.
  const created = fs.readdirSync(data).sort();
  expect(created).toEqual(expect.arrayContaining(['image-reviewer.db', 'image-reviewer.db-shm', 'image-reviewer.db-wal']));
  expect(fs.statSync(path.join(data, 'image-reviewer.db')).uid).toBe(SERVICE_UID);
  expect(fs.readdirSync(dir.path)).toEqual(['data']);
  expect(fs.statSync(path.join(ROOT, 'dist')).mtimeMs).toBe(before);
  expect(await server.stop()).toBe(0);
  server = undefined;
});
