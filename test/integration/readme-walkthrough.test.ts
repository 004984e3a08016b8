import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// The README's quick start, step by step: what a newcomer types must keep working.

const ROOT = path.resolve(__dirname, '../..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const DIGEST = 'sha256:3f6d6c1b9a8e7f5a2c4b0e9d8a7c6b5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b';

let dir: TempDir;
let server: ServeProcess | undefined;

beforeEach(() => {
  dir = makeTempDir('readme-');
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  dir.cleanup();
});

async function review(example: string): Promise<{ status: number; json: { status: Record<string, unknown> } }> {
  const response = await fetch(`${server!.baseUrl}/imagereview`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: fs.readFileSync(path.join(ROOT, 'examples', example)),
  });
  return { status: response.status, json: (await response.json()) as { status: Record<string, unknown> } };
}

it('documents the commands this test runs', () => {
  expect(README).toContain('npm ci && npm start');
  expect(README).toContain('npm test');
  expect(README).toContain(`D=${DIGEST}`);
  expect(README).toContain('image-reviewer approve --offline localhost:5000/team/api@$D --reason "quick start"');
  expect(README).toContain(
    'image-reviewer scan import test/fixtures/trivy/defectdojo-image-multi-digest.json --image localhost:5000/team/api@$D',
  );
  expect(README).toContain('--data @examples/review-approved.json');
  expect(README).toContain('--data @examples/review-unvetted.json');
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts.start).toContain('serve --policy policy/sample-policy.yaml');
});

it('approves an image, sees one review allowed and one denied with reasons, and finds both in the audit', async () => {
  const db = dir.file('data', 'image-reviewer.db');
  // `npm start` serves with the sample policy; the test only moves the listener to an ephemeral port.
  server = await startServeProcess(['--db', db, 'serve', '--policy', path.join(ROOT, 'policy/sample-policy.yaml'), '--listen', '127.0.0.1:0']);

  const approve = await runCli(db, ['approve', '--offline', `localhost:5000/team/api@${DIGEST}`, '--reason', 'quick start']);
  expect(approve).toMatchObject({ status: 0, stdout: `approved localhost:5000/team/api@${DIGEST} (no expiry)\n` });
  const scan = await runCli(db, [
    'scan',
    'import',
    path.join(ROOT, 'test/fixtures/trivy/defectdojo-image-multi-digest.json'),
    '--image',
    `localhost:5000/team/api@${DIGEST}`,
  ]);
  expect(scan.status).toBe(0);

  const allowed = await review('review-approved.json');
  expect(allowed.status).toBe(200);
  expect(allowed.json.status).toMatchObject({ allowed: true, reason: '1 image approved' });

  const denied = await review('review-unvetted.json');
  expect(denied.json.status).toMatchObject({
    allowed: false,
    reason:
      'nginx:1.27: registry-not-allowed (docker.io is not an allowed registry), digest-required (tag "1.27" has no digest); ' +
      'localhost:5000/team/worker:2.0: digest-required (tag "2.0" has no digest)',
  });

  const audit = await runCli(db, ['audit']);
  expect(audit.status).toBe(0);
  const lines = audit.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^ID\s+TIME\s+NAMESPACE\s+USER\s+DECISION/);
  expect(lines[1]).toMatch(/^2\s+\S+\s+payments\s+-\s+denied\s+enforce/);
  expect(lines[2]).toMatch(/^1\s+\S+\s+payments\s+-\s+allowed\s+enforce/);

  const explain = await runCli(db, ['explain', 'nginx:1.27', '--namespace', 'payments', '--policy', path.join(ROOT, 'policy/sample-policy.yaml')]);
  expect(explain.status).toBe(1);
  expect(explain.stdout).toContain('FAIL registry: docker.io is not an allowed registry');
});
