// The deployment files cannot be applied or built here (no cluster, no Docker engine), so this test holds them to
// what README.md's "Deploying" section promises: they parse, and the security settings are present.
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { parsePolicy } from '../../src/core/policy/parse-policy';

const ROOT = path.resolve(__dirname, '../..');

function load(rel: string): unknown[] {
  const docs = parseAllDocuments(fs.readFileSync(path.join(ROOT, rel), 'utf8'), { merge: true });
  for (const doc of docs) expect(doc.errors).toEqual([]);
  return docs.map((d) => d.toJS() as unknown);
}

function byKind(kind: string): Record<string, unknown> {
  // The single-replica files only: replicated/ has a test of its own (deploy-replicated.test.ts).
  for (const file of fs.readdirSync(path.join(ROOT, 'deploy/kubernetes')).filter((f) => f.endsWith('.yaml'))) {
    const found = load(`deploy/kubernetes/${file}`).find((d) => (d as { kind?: string }).kind === kind);
    if (found !== undefined) return found as Record<string, unknown>;
  }
  throw new Error(`no ${kind} in deploy/kubernetes`);
}

describe('deployment files', () => {
  it('every YAML file in deploy/ and docker-compose.yml parses', () => {
    const files = ['docker-compose.yml'];
    for (const dir of ['deploy/apiserver', 'deploy/kubernetes', 'deploy/kubernetes/replicated']) {
      for (const f of fs.readdirSync(path.join(ROOT, dir))) if (f.endsWith('.yaml')) files.push(`${dir}/${f}`);
    }
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) expect(load(f).length).toBeGreaterThan(0);
  });

  it('the Deployment is one Recreate replica with a restrictive securityContext, probes and the store on a PVC', () => {
    const deployment = byKind('Deployment') as {
      spec: { replicas: number; strategy: { type: string }; template: { spec: Record<string, unknown> } };
    };
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = deployment.spec.template.spec as {
      automountServiceAccountToken: boolean;
      securityContext: Record<string, unknown>;
      containers: Record<string, unknown>[];
      volumes: Record<string, unknown>[];
    };
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    const [container] = pod.containers;
    expect(container?.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container?.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', scheme: 'HTTPS' } });
    expect(container?.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', scheme: 'HTTPS' } });
    expect(container?.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
    expect(container?.args).toEqual(expect.arrayContaining(['--tls-cert', '/tls/tls.crt', '--tls-key', '/tls/tls.key', '--client-ca']));
    expect(pod.volumes).toEqual(
      expect.arrayContaining([
        { name: 'data', persistentVolumeClaim: { claimName: 'image-reviewer-data' } },
        expect.objectContaining({ name: 'tls', secret: expect.objectContaining({ secretName: 'image-reviewer-tls' }) }),
      ]),
    );
  });

  it('the NetworkPolicy admits only the placeholder control-plane range on 8443', () => {
    const policy = byKind('NetworkPolicy') as { spec: { policyTypes: string[]; ingress: unknown[] } };
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '192.0.2.0/24' } }], ports: [{ protocol: 'TCP', port: 8443 }] }]);
  });

  it('the policy ConfigMap is a valid policy that exempts the reviewer namespace', () => {
    const cm = byKind('ConfigMap') as { data: { 'policy.yaml': string } };
    expect(parsePolicy(cm.data['policy.yaml'], 'configmap.yaml')).toMatchObject({ ok: true });
    expect(parse(cm.data['policy.yaml'])).toMatchObject({
      namespaces: expect.arrayContaining([{ match: 'image-reviewer', mode: 'exempt' }]),
    });
    expect(byKind('Namespace')).toMatchObject({ metadata: { name: 'image-reviewer' } });
  });

  it('docker-compose runs the reviewer hardened, with a registry and named volumes', () => {
    const [compose] = load('docker-compose.yml') as {
      services: Record<string, Record<string, unknown>>;
      volumes: Record<string, unknown>;
    }[];
    const reviewer = compose?.services['image-reviewer'];
    expect(reviewer).toMatchObject({
      user: '10001:10001',
      read_only: true,
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
      tmpfs: ['/tmp'],
      volumes: ['reviewer-data:/data'],
      healthcheck: expect.objectContaining({ test: expect.arrayContaining(['node']) }),
    });
    expect(compose?.services.registry).toMatchObject({ image: 'registry:2', ports: expect.arrayContaining(['127.0.0.1:5000:5000']) });
    expect(Object.keys(compose?.volumes ?? {})).toEqual(['registry-data', 'reviewer-data', 'postgres-data']);
  });

  it('the Dockerfile builds in the full Node image and runs non-root from the slim one', () => {
    const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(text).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm AS build$/m);
    expect(text).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS runtime$/m);
    expect(text).toMatch(/^RUN npm ci /m);
    expect(text).toMatch(/npm prune --omit=dev/);
    expect(text).toMatch(/^USER 10001:10001$/m);
    expect(text).toMatch(/^VOLUME \/data$/m);
    expect(text).toMatch(/^EXPOSE 8443$/m);
    expect(text).toMatch(/IMAGE_REVIEWER_DB=\/data\/image-reviewer\.db/);
    expect(text).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node"/m);
    // The heap ceiling that serve-memory.test.ts measures under load; a start-up flag, never changed at run time.
    expect(text).toMatch(/^ENV NODE_OPTIONS=--max-old-space-size=128 \\$/m);
    expect(text).toMatch(/^ENTRYPOINT \["node", "\/app\/dist\/cli\.js"\]$/m);
  });
});
