// The replicated deployment (deploy/kubernetes/replicated/, docker-compose.yml's `replicated` profile) cannot be
// applied here (no cluster, no Docker engine). This test holds the files to what README.md's "Replicas on PostgreSQL"
// promises: every flag they pass is one the CLI defines, the Secret keys they read exist, the PodDisruptionBudget
// selects the Deployment's pods, and the migrate step runs as written against a real PostgreSQL.
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type TestDatabase, createTestSchema, dropFileDatabase, testPostgres } from '../helpers/postgres-server';
import { runCliArgv } from '../helpers/run-cli';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

const ROOT = path.resolve(__dirname, '../..');
const DIR = 'deploy/kubernetes/replicated';

interface Manifest {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly [key: string]: unknown;
}

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}

interface Container {
  readonly image: string;
  readonly args: string[];
  readonly env: EnvVar[];
  readonly resources: { limits: { memory: string } };
  readonly securityContext: Record<string, unknown>;
  readonly readinessProbe?: Record<string, unknown>;
  readonly livenessProbe?: Record<string, unknown>;
  readonly volumeMounts: { name: string; mountPath: string }[];
}

interface PodSpec {
  readonly securityContext: Record<string, unknown>;
  readonly containers: Container[];
  readonly volumes: { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] }; persistentVolumeClaim?: unknown }[];
  readonly affinity?: Record<string, unknown>;
  readonly topologySpreadConstraints?: Record<string, unknown>[];
}

interface Workload extends Manifest {
  readonly spec: { replicas?: number; selector?: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

function loadYaml(rel: string): unknown[] {
  // Merge keys (`<<: *anchor`), as docker compose reads them.
  const docs = parseAllDocuments(fs.readFileSync(path.join(ROOT, rel), 'utf8'), { merge: true });
  for (const doc of docs) expect(doc.errors).toEqual([]);
  return docs.map((d) => d.toJS() as unknown);
}

const manifests = (): Manifest[] =>
  fs.readdirSync(path.join(ROOT, DIR)).filter((f) => f.endsWith('.yaml')).flatMap((f) => loadYaml(`${DIR}/${f}`) as Manifest[]);

function manifest<T extends Manifest>(kind: string): T {
  const found = manifests().filter((m) => m.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as T;
}

/** The long options (`--name`) that `image-reviewer COMMAND --help` lists. */
async function optionsOf(command: string): Promise<Set<string>> {
  const help = await runCliArgv([command, '--help']);
  return new Set(`${help.stdout}${help.stderr}`.match(/--[a-z][a-z-]*/g) ?? []);
}

/** The command of an argument list and the long options it passes. */
function flagsOf(args: readonly string[]): { command: string; flags: string[] } {
  const [command = '', ...rest] = args;
  return { command, flags: rest.filter((a) => a.startsWith('--')) };
}

async function expectKnownFlags(args: readonly string[]): Promise<void> {
  const { command, flags } = flagsOf(args);
  const known = await optionsOf(command);
  expect(known.size).toBeGreaterThan(0);
  for (const flag of flags) expect({ command, flag, known: known.has(flag) }).toEqual({ command, flag, known: true });
}

describe('deploy/kubernetes/replicated', () => {
  it('the Deployment runs 3 stateless replicas on the PostgreSQL Secret, each a writer named after its pod', async () => {
    const deployment = manifest<Workload>('Deployment');
    expect(deployment.spec.replicas).toBe(3);
    const pod = deployment.spec.template.spec;
    expect(pod.volumes.filter((v) => v.persistentVolumeClaim !== undefined)).toEqual([]);
    const [container] = pod.containers;
    if (container === undefined) throw new Error('no container');
    expect(container.args[0]).toBe('serve');
    await expectKnownFlags(container.args);
    const env = new Map(container.env.map((e) => [e.name, e]));
    expect(env.get('IMAGE_REVIEWER_DB')?.valueFrom?.secretKeyRef).toEqual({ name: 'image-reviewer-db', key: 'url' });
    expect(env.get('IMAGE_REVIEWER_WRITER_NAME')?.valueFrom?.fieldRef).toEqual({ fieldPath: 'metadata.name' });
    expect(env.get('IMAGE_REVIEWER_CLUSTER')?.value).toMatch(/^[A-Za-z0-9._-]+$/);
    // The password file is the Secret's `password` key, mounted where IMAGE_REVIEWER_DB_PASSWORD_FILE points.
    const passwordFile = env.get('IMAGE_REVIEWER_DB_PASSWORD_FILE')?.value ?? '';
    const mount = container.volumeMounts.find((m) => passwordFile.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes.find((v) => v.name === mount?.name);
    expect(volume?.secret).toMatchObject({ secretName: 'image-reviewer-db', items: [{ key: 'password', path: path.basename(passwordFile) }] });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', scheme: 'HTTPS' } });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', scheme: 'HTTPS' } });
    expect(container.resources.limits.memory).toBe('256Mi');
  });

  it('hardens the pods as the single-replica Deployment does', () => {
    const single = (loadYaml('deploy/kubernetes/deployment.yaml') as Workload[])[0];
    for (const workload of [manifest<Workload>('Deployment'), manifest<Workload>('Job')]) {
      const pod = workload.spec.template.spec;
      expect(pod.securityContext).toEqual(single?.spec.template.spec.securityContext);
      expect(pod.containers[0]?.securityContext).toEqual(single?.spec.template.spec.containers[0]?.securityContext);
    }
  });

  it('spreads the replicas over nodes, and the PodDisruptionBudget keeps 2 of the Deployment pods available', () => {
    const deployment = manifest<Workload>('Deployment');
    const labels = deployment.spec.template.metadata.labels;
    const pod = deployment.spec.template.spec;
    expect(pod.affinity).toEqual({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } } },
        ],
      },
    });
    expect(pod.topologySpreadConstraints).toEqual(
      expect.arrayContaining([expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } })]),
    );
    const pdb = manifest<Manifest & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(2);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector?.matchLabels);
    expect(labels).toMatchObject(pdb.spec.selector.matchLabels);
  });

  it('every Secret key the Deployment and the migrate Job read exists in the Secret', () => {
    const secret = manifest<Manifest & { stringData: Record<string, string> }>('Secret');
    const referenced = [manifest<Workload>('Deployment'), manifest<Workload>('Job')].flatMap((w) => {
      const pod = w.spec.template.spec;
      return [
        ...pod.containers.flatMap((c) => c.env.flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : []))),
        ...pod.volumes.flatMap((v) => (v.secret?.items ?? []).map((i) => ({ name: v.secret?.secretName ?? '', key: i.key }))),
      ];
    });
    expect(referenced.length).toBeGreaterThanOrEqual(4);
    for (const ref of referenced) {
      expect(ref.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData)).toContain(ref.key);
    }
    // The URL carries no password: that is the mounted file's job.
    expect(secret.stringData.url).toMatch(/^postgres:\/\/[^:@/]+@/);
  });

  it('the migrate Job runs `migrate` with the same image and store as the Deployment', async () => {
    const job = manifest<Workload>('Job');
    const deployment = manifest<Workload>('Deployment');
    const [migrate] = job.spec.template.spec.containers;
    expect(migrate?.args).toEqual(['migrate']);
    await expectKnownFlags(migrate?.args ?? []);
    expect(job.spec.template.spec).toMatchObject({ restartPolicy: 'Never' });
    const dbEnv = (c: Container | undefined): EnvVar[] => (c?.env ?? []).filter((e) => e.name.startsWith('IMAGE_REVIEWER_DB'));
    expect(dbEnv(migrate)).toEqual(dbEnv(deployment.spec.template.spec.containers[0]));
    expect(migrate?.image).toBe(deployment.spec.template.spec.containers[0]?.image);
  });
});

describe('docker-compose.yml, profile `replicated`', () => {
  interface Service {
    readonly profiles?: string[];
    readonly command?: string[];
    readonly environment?: Record<string, string>;
    readonly depends_on?: Record<string, { condition: string }>;
    readonly secrets?: string[];
    readonly healthcheck?: { test: string[] };
    readonly image?: string;
  }
  const compose = (): { services: Record<string, Service>; secrets: Record<string, { file: string }> } =>
    (loadYaml('docker-compose.yml') as { services: Record<string, Service>; secrets: Record<string, { file: string }> }[])[0] ?? { services: {}, secrets: {} };

  it('adds postgres, a one-shot migrate and two reviewers; the default services keep no profile', () => {
    const { services } = compose();
    const inProfile = Object.entries(services).filter(([, s]) => s.profiles?.includes('replicated')).map(([name]) => name);
    expect(inProfile.sort()).toEqual(['migrate', 'postgres', 'reviewer-1', 'reviewer-2']);
    expect(services.registry?.profiles).toBeUndefined();
    expect(services['image-reviewer']?.profiles).toBeUndefined();
    expect(services.postgres).toMatchObject({
      image: expect.stringMatching(/^postgres:/),
      environment: { POSTGRES_PASSWORD_FILE: '/run/secrets/db_password' },
      secrets: ['db_password'],
      healthcheck: { test: expect.arrayContaining(['pg_isready']) },
    });
    expect(services.migrate).toMatchObject({ command: ['migrate'], depends_on: { postgres: { condition: 'service_healthy' } } });
    for (const name of ['reviewer-1', 'reviewer-2']) {
      expect(services[name]?.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
      expect(services[name]?.environment).toEqual(expect.objectContaining(services.migrate?.environment));
      expect(services[name]?.secrets).toEqual(['db_password']);
    }
    expect(compose().secrets.db_password?.file).toBe('./.secrets/db-password');
  });

  it('passes only flags the CLI defines, and a different writer name to each reviewer', async () => {
    const { services } = compose();
    const writers = [];
    for (const name of ['migrate', 'reviewer-1', 'reviewer-2']) {
      const command = services[name]?.command ?? [];
      await expectKnownFlags(command);
      writers.push(command[command.indexOf('--writer-name') + 1]);
    }
    expect(writers.slice(1)).toEqual(['reviewer-1', 'reviewer-2']);
  });
});

describe('the migrate step as the Job and compose run it', () => {
  let database: TestDatabase;
  let tmp: TempDir;

  beforeEach(async () => {
    database = await createTestSchema();
    tmp = makeTempDir('deploy-migrate-');
  });
  afterEach(async () => {
    await database.drop();
    tmp.cleanup();
  });
  afterAll(() => dropFileDatabase());

  it('migrates a PostgreSQL store named by IMAGE_REVIEWER_DB with the password from IMAGE_REVIEWER_DB_PASSWORD_FILE', async () => {
    const { password } = await testPostgres();
    const passwordFile = tmp.file('password');
    fs.writeFileSync(passwordFile, `${password}\n`);
    const env = { IMAGE_REVIEWER_DB: database.url.replace(`:${password}@`, '@'), IMAGE_REVIEWER_DB_PASSWORD_FILE: passwordFile, PGPASSWORD: '' };
    const migrated = await runCliArgv(['migrate'], env);
    expect(migrated).toMatchObject({ status: 0, stderr: '' });
    // A second rollout's Job finds nothing to do and succeeds; the replicas' commands then find the schema current.
    expect(await runCliArgv(['migrate'], env)).toMatchObject({ status: 0, stderr: '' });
    expect(await runCliArgv(['audit', 'verify'], env)).toMatchObject({ status: 0, stderr: '' });
  });
});
