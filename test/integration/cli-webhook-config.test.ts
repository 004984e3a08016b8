import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { type TestPki, createTestPki } from '../helpers/certs';
import { CLI } from '../helpers/serve-process';

// `webhook-config`: the ValidatingWebhookConfiguration a managed-cluster user applies with kubectl (README, Deploying).

function run(args: readonly string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const RULES = [
  { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'replicationcontrollers'], scope: 'Namespaced' },
  { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods/ephemeralcontainers'], scope: 'Namespaced' },
  { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], scope: 'Namespaced' },
  { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['jobs', 'cronjobs'], scope: 'Namespaced' },
];

describe('image-reviewer webhook-config', () => {
  let pki: TestPki;
  let work: string;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki.cleanup());
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-reviewer-webhook-'));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it('writes a fail-closed configuration for a Service, exempting the reviewer\u2019s own namespace', () => {
    const r = run(['webhook-config', '--url', 'https://image-reviewer.image-reviewer.svc:8443', '--ca', pki.caCert, '--out', work], work);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = path.join(work, 'validatingwebhookconfiguration.yaml');
    expect(r.stdout).toBe(`wrote ${file}\n`);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/^# Written by `image-reviewer webhook-config`/);
    expect(parse(text)).toEqual({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'image-reviewer', labels: { 'app.kubernetes.io/name': 'image-reviewer' } },
      webhooks: [
        {
          name: 'validate.image-reviewer.io',
          admissionReviewVersions: ['v1'],
          clientConfig: {
            service: { namespace: 'image-reviewer', name: 'image-reviewer', path: '/validate', port: 8443 },
            caBundle: fs.readFileSync(pki.caCert).toString('base64'),
          },
          rules: RULES,
          matchPolicy: 'Equivalent',
          failurePolicy: 'Fail',
          sideEffects: 'NoneOnDryRun',
          timeoutSeconds: 10,
          namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['image-reviewer'] }] },
        },
      ],
    });
  });

  it('prints a URL-based, fail-open configuration with a chosen timeout and exempt namespaces', () => {
    const r = run(['webhook-config', '--url', 'https://reviewer.corp.example', '--ca', pki.caCert, '--failure-policy', 'Ignore',
      '--timeout-seconds', '5', '--exempt-namespace', 'image-reviewer', 'kube-system'], work);
    expect(r.code).toBe(0);
    const [webhook] = (parse(r.stdout) as { webhooks: Record<string, any>[] }).webhooks;
    expect(webhook).toMatchObject({
      clientConfig: { url: 'https://reviewer.corp.example/validate' },
      failurePolicy: 'Ignore',
      timeoutSeconds: 5,
      namespaceSelector: { matchExpressions: [{ values: ['image-reviewer', 'kube-system'] }] },
    });
    expect(r.stdout).toContain('failurePolicy: Ignore = fail open');
  });

  it.each([
    [['--url', 'http://reviewer.corp.example'], 'error: --url must use https (got http)', 2],
    [['--url', 'https://reviewer.corp.example', '--failure-policy', 'Open'], 'error: --failure-policy must be Fail or Ignore, not "Open"', 2],
    [['--url', 'https://reviewer.corp.example', '--timeout-seconds', '31'], 'error: --timeout-seconds must be an integer from 1 to 30', 2],
  ])('refuses %j with one line on stderr', (args, message, code) => {
    const r = run(['webhook-config', '--ca', pki.caCert, ...args], work);
    expect(r.stderr).toBe(`${message}\n`);
    expect(r.code).toBe(code);
  });

  it('matches deploy/kubernetes/validatingwebhookconfiguration.yaml except for the CA bundle', () => {
    const r = run(['webhook-config', '--url', 'https://image-reviewer.image-reviewer.svc:8443', '--ca', pki.caCert], work);
    const shipped = parse(fs.readFileSync(path.resolve(__dirname, '../../deploy/kubernetes/validatingwebhookconfiguration.yaml'), 'utf8'));
    const written = parse(r.stdout) as { webhooks: { clientConfig: { caBundle: string } }[] };
    written.webhooks[0]!.clientConfig.caBundle = shipped.webhooks[0].clientConfig.caBundle;
    expect(shipped).toEqual(written);
  });
});
