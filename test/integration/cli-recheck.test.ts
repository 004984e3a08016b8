import fs from 'node:fs';
import path from 'node:path';
import { createInlineAuditWriter } from '../../src/store/audit-inline-committer';
import { openStore } from '../../src/store/open-database';
import { decisionRecord } from '../helpers/decision-record';
import { runCli } from '../helpers/run-cli';
import { useCliStore } from '../helpers/use-cli-store';

// `recheck` as an operator runs it after a revocation: the output of `kubectl get pods -A -o json` (or stdin), or
// the images the audit trail says were admitted, judged under today's store and policy, nothing recorded.

const FIXTURES = path.resolve(__dirname, '../fixtures');
const PODS = path.join(FIXTURES, 'admissionreview/kubectl-get-pods.json');
const hex = (pair: string): string => `sha256:${pair.repeat(32)}`;
const API = `localhost:5000/team/api@${hex('a1')}`;
const LEGACY = `localhost:5000/team/legacy@${hex('c3')}`;
const POLICY = (critical: number) => `
registries: [localhost:5000]
scan: {required: true, maxAgeDays: 3650, maxFindings: {CRITICAL: ${critical}}}
namespaces:
  - {match: kube-system, mode: exempt}
  - {match: "dev-*", mode: dry-run}
`;

const store = useCliStore('recheck-');

/** Approves and scans both images under a policy that tolerates legacy's two CRITICAL findings. */
async function seed(): Promise<string> {
  const policy = store.dir.file('policy.yaml');
  fs.writeFileSync(policy, POLICY(5));
  const clean = path.join(FIXTURES, 'trivy/defectdojo-image-multi-digest.json');
  for (const args of [
    ['approve', '--offline', API],
    ['approve', '--offline', LEGACY],
    ['scan', 'import', clean, '--image', API],
    ['scan', 'import', path.join(FIXTURES, 'trivy/alpine-39.json'), '--image', LEGACY],
  ]) expect((await store.cli(...args)).status).toBe(0);
  return policy;
}

describe('recheck', () => {
  it('lists nothing and exits 0 while every running image is still allowed', async () => {
    const policy = await seed();
    const result = await store.cli('recheck', '--pods', PODS, '--policy', policy);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('nothing would be denied (4 checked)\n');
    expect(result.status).toBe(0);
  });

  it('names what a revocation and a new CVE ceiling now deny, as a table and as JSON, exit 1, recording nothing', async () => {
    const policy = await seed();
    expect((await store.cli('revoke', API, '--reason', 'CVE-2026-0001')).status).toBe(0);
    fs.writeFileSync(policy, POLICY(0));
    const table = await store.cli('recheck', '--pods', PODS, '--policy', policy);
    expect(table.stderr).toBe('');
    expect(table.status).toBe(1);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE +KIND +NAME +IMAGE +REASONS$/);
    expect(lines.slice(1, 4).map((line) => line.split(/ {2,}/).slice(0, 4))).toEqual([
      ['payments', 'Pod', 'api-7d9c5b8f4-x2lqp', API],
      ['payments', 'Pod', 'legacy-worker', API],
      ['payments', 'Pod', 'legacy-worker', LEGACY],
    ]);
    expect(lines[1]).toMatch(/revoked: revoked by tester at \d{4}-[^ ]+Z: CVE-2026-0001$/);
    expect(lines[3]).toContain('vulnerabilities: 2 CRITICAL > 0');
    expect(lines.at(-1)).toBe('3 image(s) would now be denied (4 checked)');

    const json = await runCli(store.dbPath, ['recheck', '--pods', '-', '--json', '--policy', policy], {}, fs.readFileSync(PODS, 'utf8'));
    expect(json.status).toBe(1);
    const rows = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(rows.map((r) => [r.name, r.image, (r.reasons as { code: string }[]).map((x) => x.code)])).toEqual([
      ['api-7d9c5b8f4-x2lqp', API, ['revoked']],
      ['legacy-worker', API, ['revoked']],
      ['legacy-worker', LEGACY, ['vulnerabilities']],
    ]);
    expect(rows[0]).toMatchObject({ kind: 'Pod', namespace: 'payments', repository: 'localhost:5000/team/api', digest: hex('a1') });
    const csv = await store.cli('recheck', '--pods', PODS, '--csv', '--policy', policy);
    expect(csv).toMatchObject({ status: 1, stderr: '' });
    const csvLines = csv.stdout.replace(/\n$/, '').split('\r\n');
    expect(csvLines[0]).toBe('namespace,kind,name,image,repository,digest,reasons,messages');
    expect(csvLines.slice(1).map((line) => line.split(',').slice(0, 7))).toEqual([
      ['payments', 'Pod', 'api-7d9c5b8f4-x2lqp', API, 'localhost:5000/team/api', hex('a1'), 'revoked'],
      ['payments', 'Pod', 'legacy-worker', API, 'localhost:5000/team/api', hex('a1'), 'revoked'],
      ['payments', 'Pod', 'legacy-worker', LEGACY, 'localhost:5000/team/legacy', hex('c3'), 'vulnerabilities'],
    ]);
    expect(store.query('SELECT count(*) AS n FROM decisions')).toEqual([{ n: 0 }]);
  });

  it('--since rechecks every image the audit trail says was admitted in the window', async () => {
    const policy = await seed();
    const db = openStore(store.dbPath, { migrate: 'apply' });
    const audit = createInlineAuditWriter(db);
    const image = (ref: string, repository: string, digest: string) => ({ image: ref, repository, digest, allowed: true, reasons: [] });
    const now = Date.now();
    await audit.append(decisionRecord({ time: now - 2 * 3_600_000, namespace: 'payments', images: [image(API, 'localhost:5000/team/api', hex('a1'))] }));
    await audit.append(decisionRecord({ time: now - 30 * 86_400_000, namespace: 'old', images: [image(LEGACY, 'localhost:5000/team/legacy', hex('c3'))] }));
    await audit.close();
    db.close();
    expect((await store.cli('revoke', API)).status).toBe(0);
    expect((await store.cli('revoke', LEGACY)).status).toBe(0);
    const result = await store.cli('recheck', '--since', '7d', '--json', '--policy', policy);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual([
      expect.objectContaining({ kind: 'admitted', namespace: 'payments', name: 'decision 1', image: API, reasons: [expect.objectContaining({ code: 'revoked' })] }),
    ]);
  });

  it('is a usage error without --pods or --since, and one line on stderr for a file that is not a pod list', async () => {
    const none = await store.cli('recheck');
    expect(none.stderr).toBe('error: recheck needs --pods FILE or --since TIME (or both)\n');
    expect(none.status).toBe(2);
    const notJson = store.dir.file('pods.txt');
    fs.writeFileSync(notJson, 'NAME READY\n');
    const bad = await store.cli('recheck', '--pods', notJson);
    expect(bad.stderr).toMatch(/^error: .*pods\.txt is not JSON \(kubectl get pods -A -o json\): [^\n]*\n$/);
    expect(bad.status).toBe(1);
    expect(await runCli(store.dbPath, ['recheck', '--pods', '-'], {}, 'NAME READY\n')).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/^error: stdin is not JSON \(kubectl get pods -A -o json\): [^\n]*\n$/),
    });
    expect(await runCli(store.dbPath, ['recheck', '--pods', '-', '--registry-username', 'u', '--registry-password-stdin'], {}, '{}')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'error: --pods - and --registry-password-stdin both read stdin: put one of them in a file\n',
    });
  });
});
