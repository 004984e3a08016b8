import fs from 'node:fs';
import path from 'node:path';
import { runCli, seedCli } from '../helpers/run-cli';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process';
import { countRows } from '../helpers/store-query';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// `/validate` as a ValidatingAdmissionWebhook uses it: `serve` in its own process on 127.0.0.1, a real SQLite file,
// AdmissionReview bodies as kube-apiserver builds them (test/fixtures/admissionreview/README.md), the whole answer
// asserted, and the audit rows read back through the CLI.

const FIXTURES = path.resolve(__dirname, '../fixtures');
const hex = (pair: string): string => `sha256:${pair.repeat(32)}`;
const API = `localhost:5000/team/api@${hex('a1')}`;
const MIGRATE = `localhost:5000/team/migrate@${hex('b2')}`;
const LEGACY = `localhost:5000/team/legacy@${hex('c3')}`;
const DEBUG = `localhost:5000/team/debug@${hex('e5')}`;
const LEGACY_DENIED = 'localhost:5000/team/legacy@sha256:c3c3c3c3c3c3…: vulnerabilities (2 CRITICAL > 0 (CVE-2019-14697 ×2))';
const DEBUG_DENIED =
  'localhost:5000/team/debug@sha256:e5e5e5e5e5e5…: not-approved (no approval for localhost:5000/team/debug@sha256:e5e5e5e5e5e5…), ' +
  'scan-missing (no scan of sha256:e5e5e5e5e5e5…)';
const ALICE_GROUPS = ['dev-team', 'system:authenticated'];

const POLICY = `
registries: [localhost:5000]
tags: require-digest
scan:
  required: true
  maxAgeDays: 3650          # the alpine-39 fixture was scanned in 2021
  maxFindings: {CRITICAL: 0}
breakGlass: {enabled: true, namespaces: ["payments"], requireTicket: true}
defaultMode: enforce
namespaces:
  - {match: kube-system, mode: exempt}
  - {match: "dev-*", mode: dry-run}
`;

let dir: TempDir;
let dbPath: string;
let server: ServeProcess;

beforeAll(async () => {
  dir = makeTempDir('validate-');
  dbPath = dir.file('data', 'store.db');
  fs.writeFileSync(dir.file('policy.yaml'), POLICY);
  const clean = path.join(FIXTURES, 'trivy/defectdojo-image-multi-digest.json');
  await seedCli(dbPath, ['approve', '--offline', API]);
  await seedCli(dbPath, ['approve', '--offline', MIGRATE, '--expires', '3d']);
  await seedCli(dbPath, ['approve', '--offline', LEGACY]);
  await seedCli(dbPath, ['scan', 'import', clean, '--image', API]);
  await seedCli(dbPath, ['scan', 'import', clean, '--image', MIGRATE]);
  await seedCli(dbPath, ['scan', 'import', path.join(FIXTURES, 'trivy/alpine-39.json'), '--image', LEGACY]);
  server = await startServeProcess(['--db', dbPath, 'serve', '--listen', '127.0.0.1:0', '--policy', dir.file('policy.yaml')]);
});

afterAll(async () => {
  await server?.stop();
  dir?.cleanup();
});

function fixture(name: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'admissionreview', `${name}.json`), 'utf8')) as Record<string, any>;
}

async function post(body: unknown, contentType = 'application/json'): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${server.baseUrl}/validate?timeout=10s`, {
    method: 'POST',
    headers: { 'Content-Type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

async function auditRows(...args: string[]): Promise<Record<string, any>[]> {
  const result = await runCli(dbPath, ['audit', '--json', '--limit', '1000', ...args]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout === '' ? [] : result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
}

async function auditRow(id: string): Promise<Record<string, any>> {
  const row = (await auditRows()).find((r) => String(r.id) === id);
  if (row === undefined) throw new Error(`decision ${id} is not in the audit trail`);
  return row;
}

const decisionCount = (): number => countRows(dbPath, 'decisions');
const idOf = (json: Record<string, any>): string => String(json.response.auditAnnotations['decision-id']);
const judged = (image: string, reasons: string[] = []) => ({ image, allowed: reasons.length === 0, reasons, unchanged: false, signature: null });
const unchanged = (image: string) => ({ image, allowed: true, reasons: [], unchanged: true, signature: null });

describe('POST /validate', () => {
  it('allows a controller-made Pod (empty name, generateName) with init containers and a sidecar, and records who asked', async () => {
    const review = fixture('pod-create-controller');
    expect(review.request.name).toBe('');
    const { status, json } = await post(review);
    expect(status).toBe(200);
    expect(json).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: '0f6a1c2e-7d4b-4c1a-9e2f-3b5d7a9c1e01',
        allowed: true,
        auditAnnotations: { 'decision-id': expect.stringMatching(/^\d+$/) },
        warnings: [expect.stringMatching(/^approval of localhost:5000\/team\/migrate@sha256:b2b2b2b2b2b2 expires \d{4}-\d\d-\d\dT/)],
      },
    });
    expect(json.response.warnings[0].length).toBeLessThan(120);
    expect(await auditRow(idOf(json))).toMatchObject({
      namespace: 'payments',
      allowed: true,
      mode: 'enforce',
      reason: 'all 3 images approved',
      user: 'system:serviceaccount:kube-system:replicaset-controller',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
      images: [judged(API), judged(MIGRATE), judged(API)],
    });
  });

  it('denies a Pod with status 403 naming the denied image and why', async () => {
    const { status, json } = await post(fixture('pod-create-denied'));
    expect(status).toBe(200);
    expect(json).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: '0f6a1c2e-7d4b-4c1a-9e2f-3b5d7a9c1e02',
        allowed: false,
        status: { code: 403, reason: 'Forbidden', message: LEGACY_DENIED },
        auditAnnotations: { 'decision-id': expect.stringMatching(/^\d+$/) },
      },
    });
    expect(await auditRow(idOf(json))).toMatchObject({
      allowed: false,
      reason: LEGACY_DENIED,
      user: 'alice@corp.example',
      groups: ALICE_GROUPS,
      images: [judged(API), judged(LEGACY, ['vulnerabilities'])],
    });
  });

  it('does not re-judge the images of an UPDATE that the old object already ran, and records them as unchanged', async () => {
    const { status, json } = await post(fixture('pod-update-labels'));
    expect(status).toBe(200);
    expect(json.response).toEqual({
      uid: '0f6a1c2e-7d4b-4c1a-9e2f-3b5d7a9c1e03',
      allowed: true,
      auditAnnotations: { 'decision-id': expect.stringMatching(/^\d+$/) },
    });
    expect(await auditRow(idOf(json))).toMatchObject({
      allowed: true,
      reason: 'no new images to review (2 images unchanged by this update)',
      images: [unchanged(API), unchanged(LEGACY)],
    });
  });

  it('judges only the new ephemeral container of a kubectl debug', async () => {
    const review = fixture('pod-ephemeral-debug');
    expect(review.request.subResource).toBe('ephemeralcontainers');
    const { json } = await post(review);
    expect(json.response).toEqual({
      uid: '0f6a1c2e-7d4b-4c1a-9e2f-3b5d7a9c1e04',
      allowed: false,
      status: { code: 403, reason: 'Forbidden', message: DEBUG_DENIED },
      auditAnnotations: { 'decision-id': expect.stringMatching(/^\d+$/) },
    });
    expect((await auditRow(idOf(json))).images).toEqual([
      { ...judged(DEBUG, ['not-approved', 'scan-missing']), repository: 'localhost:5000/team/debug', digest: hex('e5') },
      { ...unchanged(API), repository: 'localhost:5000/team/api', digest: hex('a1') },
    ]);
  });

  it("judges a Deployment's pod template, so kubectl apply gets the deny", async () => {
    const { json } = await post(fixture('deployment-create'));
    expect(json.response).toEqual({
      uid: '0f6a1c2e-7d4b-4c1a-9e2f-3b5d7a9c1e05',
      allowed: false,
      status: { code: 403, reason: 'Forbidden', message: LEGACY_DENIED },
      auditAnnotations: { 'decision-id': expect.stringMatching(/^\d+$/) },
    });
    expect(await auditRow(idOf(json))).toMatchObject({ namespace: 'payments', images: [judged(LEGACY, ['vulnerabilities'])] });
  });

  it("reads a CronJob's job template, break-glass annotations included, and warns that break-glass applied", async () => {
    const { json } = await post(fixture('cronjob-create-break-glass'));
    expect(json.response).toEqual({
      uid: '0f6a1c2e-7d4b-4c1a-9e2f-3b5d7a9c1e06',
      allowed: true,
      auditAnnotations: {
        'decision-id': expect.stringMatching(/^\d+$/),
        'break-glass': 'true',
        ticket: 'INC-4711',
        'overridden-verification-result': LEGACY_DENIED,
      },
      warnings: ['break-glass applied (ticket INC-4711): images that failed policy were allowed; this is audited'],
    });
    expect(await auditRow(idOf(json))).toMatchObject({ allowed: true, breakGlass: true, ticket: 'INC-4711', user: 'alice@corp.example' });
  });

  it('answers a dry-run request exactly as others but records nothing', async () => {
    const before = decisionCount();
    const { status, json } = await post(fixture('pod-create-dry-run'));
    expect(status).toBe(200);
    expect(json).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: '0f6a1c2e-7d4b-4c1a-9e2f-3b5d7a9c1e07',
        allowed: false,
        status: { code: 403, reason: 'Forbidden', message: LEGACY_DENIED },
        auditAnnotations: {},
      },
    });
    expect(decisionCount()).toBe(before);
  });

  it('answers a v1beta1 review as v1beta1', async () => {
    const { json } = await post(fixture('pod-create-v1beta1'));
    expect(json).toEqual({
      apiVersion: 'admission.k8s.io/v1beta1',
      kind: 'AdmissionReview',
      response: {
        uid: '0f6a1c2e-7d4b-4c1a-9e2f-3b5d7a9c1e08',
        allowed: false,
        status: { code: 403, reason: 'Forbidden', message: DEBUG_DENIED },
        auditAnnotations: { 'decision-id': expect.stringMatching(/^\d+$/) },
      },
    });
  });

  it('allows in a dry-run namespace with a warning naming what would have been denied', async () => {
    const review = fixture('pod-create-denied');
    review.request.namespace = 'dev-alice';
    review.request.object.metadata.namespace = 'dev-alice';
    const { json } = await post(review);
    expect(json.response).toEqual({
      uid: review.request.uid,
      allowed: true,
      auditAnnotations: {
        'decision-id': expect.stringMatching(/^\d+$/),
        'dry-run': 'true',
        'overridden-verification-result': LEGACY_DENIED,
      },
      warnings: [`dry-run namespace: would deny ${LEGACY} (vulnerabilities)`.slice(0, 118) + '…'],
    });
  });

  it('allows a DELETE without judging or recording it', async () => {
    const review = fixture('pod-update-labels');
    review.request.operation = 'DELETE';
    review.request.object = null;
    const before = decisionCount();
    const { json } = await post(review);
    expect(json.response).toEqual({ uid: review.request.uid, allowed: true });
    expect(decisionCount()).toBe(before);
  });

  it('denies, never fails open on, a review whose object it cannot read or whose kind it does not review', async () => {
    const review = fixture('pod-create-denied');
    review.request.object.spec.containers = 'nginx';
    const before = decisionCount();
    const bad = await post(review);
    expect(bad.status).toBe(200);
    expect(bad.json.response).toEqual({
      uid: review.request.uid,
      allowed: false,
      status: { code: 403, reason: 'Forbidden', message: 'image-reviewer could not read the object: spec.containers must be an array' },
    });
    const configMap = fixture('pod-create-denied');
    configMap.request.kind = { group: '', version: 'v1', kind: 'ConfigMap' };
    const other = await post(configMap);
    expect(other.json.response).toMatchObject({
      allowed: false,
      status: { code: 403, message: 'image-reviewer could not read the object: image-reviewer does not review ConfigMap objects (only Pods and the pod templates of workloads)' },
    });
    expect(decisionCount()).toBe(before);
  });

  it.each([
    ['not JSON', '{"apiVersion":', 'application/json', /^body is not valid JSON/],
    ['an ImageReview', JSON.stringify({ apiVersion: 'imagepolicy.k8s.io/v1alpha1', kind: 'ImageReview', spec: {} }), 'application/json',
      /^apiVersion must be admission.k8s.io\/v1 or admission.k8s.io\/v1beta1, got "imagepolicy.k8s.io\/v1alpha1"$/],
    ['without request.uid', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: {} } }), 'application/json',
      /^request.uid must be a non-empty string$/],
    ['not application/json', JSON.stringify(fixture('pod-create-denied')), 'text/plain', /^Content-Type must be application\/json$/],
    // Past the 8 MiB limit no uid can be read, so no AdmissionReview answer can be formed.
    ['past the body limit', JSON.stringify({ ...fixture('pod-create-denied'), padding: 'x'.repeat(9 * 1024 * 1024) }), 'application/json',
      /^request body is larger than 8388608 bytes$/],
  ])('answers a body the API server never sends (%s) with 400 and a Status', async (_name, body, type, message) => {
    const before = decisionCount();
    const { status, json } = await post(body, type);
    expect(status).toBe(400);
    expect(json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: expect.stringMatching(message), reason: 'BadRequest', code: 400 });
    expect(decisionCount()).toBe(before);
  });

  it('accepts an UPDATE whose object and oldObject are 3 MiB each (a 200, not a 413/400)', async () => {
    const review = fixture('pod-update-labels');
    const filler = 'x'.repeat(3 * 1024 * 1024 - 4096);
    review.request.object.metadata.annotations = { 'example.com/blob': filler };
    review.request.oldObject.metadata.annotations = { 'example.com/blob': filler };
    const { status, json } = await post(review);
    expect(status).toBe(200);
    expect(json.response).toMatchObject({ uid: review.request.uid, allowed: true });
  });

  it('denies, never a 500, a Pod of 200,000 containers (more than a spread call can take), recording the first 256', async () => {
    const review = fixture('pod-create-denied');
    // About 6 MiB: past the API server's 3 MiB, inside serve's default --max-body-bytes (8 MiB).
    review.request.object.spec.containers = Array.from({ length: 200_000 }, (_, i) => ({ name: i.toString(36), image: API.slice(0, 10) }));
    review.request.object.spec.initContainers = [];
    const { status, json } = await post(review);
    expect(status).toBe(200);
    expect(json.response).toMatchObject({
      uid: review.request.uid,
      allowed: false,
      status: { code: 403, reason: 'Forbidden', message: 'too-many-images (the pod names 200000 images; at most 256 are reviewed)' },
    });
    const row = await auditRow(idOf(json));
    expect(row).toMatchObject({ allowed: false, reason: 'too-many-images (the pod names 200000 images; at most 256 are reviewed)' });
    expect(row.images).toHaveLength(256);
  });

  it('audit --user finds the decisions of one user, and the chain with groups and unchanged images verifies', async () => {
    const alice = await auditRows('--user', 'alice@corp.example');
    expect(alice.length).toBeGreaterThanOrEqual(5);
    expect(alice.every((row) => row.user === 'alice@corp.example')).toBe(true);
    expect(await auditRows('--user', 'nobody')).toEqual([]);
    const table = await runCli(dbPath, ['audit', '--user', 'system:serviceaccount:kube-system:replicaset-controller']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +TIME +NAMESPACE +USER +DECISION/);
    expect(table.stdout).toContain('system:serviceaccount:kube-system:replicaset-controller');
    const unchangedTable = await runCli(dbPath, ['audit', '--user', 'alice@corp.example', '--decision', 'allowed']);
    expect(unchangedTable.stdout).toContain(`${LEGACY} (unchanged)`);
    const verify = await runCli(dbPath, ['audit', 'verify']);
    expect(verify.stdout).toMatch(/^audit chain ok: \d+ decisions, 6 changes /m);
    expect(verify.status).toBe(0);
  });
});
