import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { type TestPki, createTestPki } from '../helpers/certs';
import { runCliArgv } from '../helpers/run-cli';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(args: readonly string[]): Promise<Run> {
  const r = await runCliArgv(args);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The built CLI in `cwd`, for the test of what (nothing) lands in the working directory without --out. */
function runIn(cwd: string, args: readonly string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function b64(file: string): string {
  return fs.readFileSync(file).toString('base64');
}

describe('image-reviewer apiserver-config', () => {
  let pki: TestPki;
  let work: string;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki.cleanup());
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-reviewer-apiserver-'));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it('writes the AdmissionConfiguration and a kubeconfig referencing the client certificate by path', async () => {
    const out = path.join(work, 'etc', 'image-reviewer');
    const r = await run(
      ['apiserver-config', '--url', 'https://image-reviewer.example:8443/imagereview', '--ca', pki.caCert,
        '--client-cert', pki.client.cert, '--client-key', pki.client.key, '--allow-ttl', '120', '--deny-ttl', '10',
        '--retry-backoff', '250', '--default-allow', 'true', '--out', out],
    );
    expect(r).toEqual({
      code: 0,
      stdout: `wrote ${out}/admission-config.yaml\nwrote ${out}/image-reviewer-kubeconfig.yaml\n`,
      stderr: '',
    });
    expect(parse(fs.readFileSync(path.join(out, 'admission-config.yaml'), 'utf8'))).toEqual({
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'AdmissionConfiguration',
      plugins: [
        {
          name: 'ImagePolicyWebhook',
          configuration: {
            imagePolicy: {
              kubeConfigFile: path.join(out, 'image-reviewer-kubeconfig.yaml'),
              allowTTL: 120,
              denyTTL: 10,
              retryBackoff: 250,
              defaultAllow: true,
            },
          },
        },
      ],
    });
    const kubeconfigFile = path.join(out, 'image-reviewer-kubeconfig.yaml');
    expect(parse(fs.readFileSync(kubeconfigFile, 'utf8'))).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'image-reviewer',
          cluster: { server: 'https://image-reviewer.example:8443/imagereview', 'certificate-authority-data': b64(pki.caCert) },
        },
      ],
      users: [{ name: 'kube-apiserver', user: { 'client-certificate': pki.client.cert, 'client-key': pki.client.key } }],
      contexts: [{ name: 'image-reviewer', context: { cluster: 'image-reviewer', user: 'kube-apiserver' } }],
      'current-context': 'image-reviewer',
    });
    expect(fs.statSync(kubeconfigFile).mode & 0o777).toBe(0o600);
  });

  it('prints both documents with defaults when no --out is given, and inlines the client certificate on request', () => {
    const r = runIn(
      work,
      ['apiserver-config', '--url', 'https://10.96.0.20:8443', '--ca', pki.caCert, '--client-cert', pki.client.cert,
        '--client-key', pki.client.key, '--inline-client-cert', '--kubeconfig-path', '/etc/kubernetes/ir/kubeconfig.yaml'],
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as unknown);
    expect(docs).toHaveLength(2);
    expect(docs[0]).toEqual({
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'AdmissionConfiguration',
      plugins: [
        {
          name: 'ImagePolicyWebhook',
          configuration: {
            imagePolicy: {
              kubeConfigFile: '/etc/kubernetes/ir/kubeconfig.yaml',
              allowTTL: 300,
              denyTTL: 30,
              retryBackoff: 500,
              defaultAllow: false,
            },
          },
        },
      ],
    });
    expect(docs[1]).toMatchObject({
      clusters: [{ name: 'image-reviewer', cluster: { server: 'https://10.96.0.20:8443/imagereview' } }],
      users: [
        {
          name: 'kube-apiserver',
          user: { 'client-certificate-data': b64(pki.client.cert), 'client-key-data': b64(pki.client.key) },
        },
      ],
      'current-context': 'image-reviewer',
    });
    expect(fs.readdirSync(work)).toEqual([]);
  });

  it('accepts -1 to disable a cache', async () => {
    const r = await run(['apiserver-config', '--url', 'https://h', '--ca', pki.caCert, '--allow-ttl', '-1', '--deny-ttl', '-1']);
    expect(r.code).toBe(0);
    const [admission] = parseAllDocuments(r.stdout).map((d) => d.toJS() as { plugins: { configuration: { imagePolicy: object } }[] });
    expect(admission?.plugins[0]?.configuration.imagePolicy).toMatchObject({ allowTTL: -1, denyTTL: -1 });
    expect(parseAllDocuments(r.stdout)[1]?.toJS()).toMatchObject({ users: [{ name: 'kube-apiserver', user: {} }] });
  });

  it.each<[string, string[], number, string]>([
    ['plain http', ['--url', 'http://h:8080'], 2, 'error: --url must use https (got http)\n'],
    ['not a URL', ['--url', 'image-reviewer:8443'], 2, 'error: --url must use https (got image-reviewer)\n'],
    ['allow TTL too long', ['--allow-ttl', '3600'], 2, 'error: --allow-ttl must be an integer from 1 to 1800 or -1 (no cache)\n'],
    ['deny TTL zero', ['--deny-ttl', '0'], 2, 'error: --deny-ttl must be an integer from 1 to 1800 or -1 (no cache)\n'],
    ['backoff not a number', ['--retry-backoff', 'soon'], 2, 'error: --retry-backoff must be an integer from 1 to 300000\n'],
    ['default-allow not a boolean', ['--default-allow', 'yes'], 2, 'error: --default-allow must be true or false\n'],
    ['client cert without key', ['--client-cert', 'x.crt'], 2, 'error: --client-cert and --client-key go together\n'],
  ])('refuses %s with exit 2', async (_name, extra, code, stderr) => {
    const r = await run(['apiserver-config', '--url', 'https://h', '--ca', pki.caCert, ...extra]);
    expect(r).toEqual({ code, stdout: '', stderr });
  });

  it('refuses missing, non-PEM and mismatched files with exit 1 and one line', async () => {
    const notPem = path.join(work, 'ca.txt');
    fs.writeFileSync(notPem, 'hello\n');
    const cases: [string[], string][] = [
      [['--ca', path.join(work, 'missing.crt')], `error: cannot read --ca ${path.join(work, 'missing.crt')}: ENOENT`],
      [['--ca', notPem], `error: --ca ${notPem} is not a PEM certificate\n`],
      [['--ca', pki.caCert, '--client-cert', pki.client.cert, '--client-key', pki.otherClient.key],
        `error: --client-key ${pki.otherClient.key} does not match --client-cert\n`],
      [['--ca', pki.caCert, '--client-cert', pki.client.cert, '--client-key', pki.client.cert],
        `error: --client-key ${pki.client.cert} is not a PEM private key\n`],
    ];
    for (const [args, stderr] of cases) {
      const r = await run(['apiserver-config', '--url', 'https://h', ...args]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith(stderr)).toBe(true);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('requires --url and --ca (exit 2)', async () => {
    const r = await run(['apiserver-config', '--ca', pki.caCert]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--url <url>' not specified");
  });
});
