import fs from 'node:fs';
import { runCli } from '../helpers/run-cli';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// SPEC §5: the policy is reloaded when its file changes and on SIGHUP; every decision records the hash of the
// policy it used. (An invalid file keeping the old policy is in faults.test.ts.)

const ENFORCE = 'registries: [localhost:5000]\ndefaultMode: enforce\nnamespaces: []\n';
const DRY_RUN = 'registries: [localhost:5000]\ndefaultMode: dry-run\nnamespaces: []\n';

let dir: TempDir;
let server: ServeProcess | undefined;

beforeEach(() => {
  dir = makeTempDir('policy-reload-');
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  dir.cleanup();
});

async function review(): Promise<{ allowed: boolean; id: string }> {
  const response = await fetch(`${server!.baseUrl}/imagereview`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'imagepolicy.k8s.io/v1alpha1',
      kind: 'ImageReview',
      spec: { containers: [{ image: 'nginx:1.27' }], namespace: 'web' },
    }),
  });
  const json = (await response.json()) as { status: { allowed: boolean; auditAnnotations: Record<string, string> } };
  return { allowed: json.status.allowed, id: json.status.auditAnnotations['decision-id'] ?? '' };
}

async function waitForLog(msg: string, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (server!.logs.filter((l) => l.msg === msg).length < count) {
    if (Date.now() > deadline) throw new Error(`no ${count}× "${msg}" log line within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('applies a changed policy file to the next review and records the new policy hash', async () => {
  const db = dir.file('store.db');
  const policy = dir.file('policy.yaml');
  fs.writeFileSync(policy, ENFORCE);
  server = await startServeProcess(['--db', db, 'serve', '--listen', '127.0.0.1:0', '--policy', policy]);

  const first = await review();
  expect(first.allowed).toBe(false);

  fs.writeFileSync(policy, DRY_RUN);
  await waitForLog('policy reloaded', 1);
  const second = await review();
  expect(second.allowed).toBe(true);

  // SIGHUP re-reads the file too (the poll would also see this change): back to enforce.
  fs.writeFileSync(policy, ENFORCE);
  server.signal('SIGHUP');
  await waitForLog('policy reloaded', 2);
  const third = await review();
  expect(third.allowed).toBe(false);

  const audit = await runCli(db, ['audit', '--json']);
  const rows = audit.stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: number; mode: string; policyHash: string });
  const byId = new Map(rows.map((row) => [String(row.id), row]));
  const [a, b, c] = [first, second, third].map((r) => byId.get(r.id)!);
  expect([a.mode, b.mode, c.mode]).toEqual(['enforce', 'dry-run', 'enforce']);
  expect(b.policyHash).not.toBe(a.policyHash);
  expect(c.policyHash).toBe(a.policyHash);

  const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
  expect(metrics).toMatch(/image_reviewer_policy_reloads_total\{result="success"\} [2-9]/);
});
