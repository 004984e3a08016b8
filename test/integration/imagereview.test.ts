import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { auditJsonRow } from '../helpers/audit-json-row';
import { runCli, seedCli } from '../helpers/run-cli';
import { startServeInProcess } from '../helpers/serve-in-process';
import type { ServeHandle } from '../helpers/serve-process';
import { countRows } from '../helpers/store-query';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// The webhook as the API server uses it: `serve` (run in-process) on 127.0.0.1, a real SQLite file, the request
// bodies kube-apiserver really sends, and the audit rows read back through the CLI and the store.

const FIXTURES = path.resolve(__dirname, '../fixtures');
const APPROVED = `sha256:${'a1'.repeat(32)}`;
const VULNERABLE = `sha256:${'c3'.repeat(32)}`;
const UNSCANNED = `sha256:${'e5'.repeat(32)}`;

const POLICY = `
registries: [localhost:5000]
tags: require-digest
scan:
  required: true
  maxAgeDays: 3650          # the alpine-39 fixture was scanned in 2021
  maxFindings: {CRITICAL: 0}
breakGlass: {enabled: true, namespaces: ["payments", "ops-*"], requireTicket: true}
defaultMode: enforce
namespaces:
  - {match: kube-system, mode: exempt}
  - {match: "dev-*", mode: dry-run}
`;

let dir: TempDir;
let dbPath: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = makeTempDir('imagereview-');
  dbPath = dir.file('data', 'store.db');
  fs.writeFileSync(dir.file('policy.yaml'), POLICY);
  await seedCli(dbPath, ['approve', '--offline', `localhost:5000/team/api:2.4.1@${APPROVED}`, '--reason', 'release 2.4.1']);
  await seedCli(dbPath, ['scan', 'import', path.join(FIXTURES, 'trivy/defectdojo-image-multi-digest.json'), '--image', `localhost:5000/team/api@${APPROVED}`]);
  await seedCli(dbPath, ['approve', '--offline', `localhost:5000/team/legacy@${VULNERABLE}`]);
  await seedCli(dbPath, ['scan', 'import', path.join(FIXTURES, 'trivy/alpine-39.json'), '--image', `localhost:5000/team/legacy@${VULNERABLE}`]);
  server = await startServeInProcess(['--db', dbPath, 'serve', '--listen', '127.0.0.1:0', '--policy', dir.file('policy.yaml')]);
});

afterAll(async () => {
  await server?.stop();
  dir?.cleanup();
});

function imageReview(spec: Record<string, unknown>): Record<string, unknown> {
  return {
    kind: 'ImageReview',
    apiVersion: 'imagepolicy.k8s.io/v1alpha1',
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed: false },
  };
}

interface PostOptions {
  readonly path?: string;
  readonly contentType?: string;
  readonly contentEncoding?: string;
}

async function post(body: unknown, options: PostOptions = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'Content-Type': options.contentType ?? 'application/json' };
  if (options.contentEncoding !== undefined) headers['Content-Encoding'] = options.contentEncoding;
  const response = await fetch(`${server.baseUrl}${options.path ?? '/imagereview?timeout=30s'}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' || body instanceof Buffer ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const metric = async (line: RegExp): Promise<number> => {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  return Number(line.exec(text)?.[1] ?? 0);
};

const decisionCount = (): number => countRows(dbPath, 'decisions');
const auditRecord = (id: string): Promise<Record<string, unknown>> => auditJsonRow(dbPath, id);

/** The `decision` log line of a decision id; lines reach this process a little after the answer. */
async function decisionLogLine(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const line = server.logs.find((l) => l.msg === 'decision' && String(l.decisionId) === id);
    if (line !== undefined) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no decision log line for ${id}`);
}

function decisionIdOf(json: Record<string, unknown>): string {
  const status = json.status as { auditAnnotations: Record<string, string> };
  return status.auditAnnotations['decision-id'] ?? '';
}

describe('POST /imagereview', () => {
  it('allows an approved, scanned digest sent exactly as kube-apiserver sends it, and records it before answering', async () => {
    const body = fs.readFileSync(path.join(FIXTURES, 'imagereview/apiserver-pod-create.json'), 'utf8').replace('{{DIGEST}}', APPROVED);
    const { status, json } = await post(body);
    expect(status).toBe(200);
    const id = decisionIdOf(json);
    expect(json).toEqual({
      apiVersion: 'imagepolicy.k8s.io/v1alpha1',
      kind: 'ImageReview',
      status: { allowed: true, reason: '1 image approved', auditAnnotations: { 'decision-id': id } },
    });
    expect(await auditRecord(id)).toMatchObject({
      namespace: 'payments',
      allowed: true,
      mode: 'enforce',
      breakGlass: false,
      ticket: null,
      images: [
        { image: `localhost:5000/team/api@${APPROVED}`, repository: 'localhost:5000/team/api', digest: APPROVED, allowed: true, reasons: [] },
      ],
    });
  });

  it('denies a digest over the CRITICAL ceiling and names the offending CVE', async () => {
    const { status, json } = await post(imageReview({ containers: [{ image: `localhost:5000/team/legacy@${VULNERABLE}` }], namespace: 'payments' }));
    expect(status).toBe(200);
    const id = decisionIdOf(json);
    expect(json.status).toEqual({
      allowed: false,
      reason: 'localhost:5000/team/legacy@sha256:c3c3c3c3c3c3…: vulnerabilities (2 CRITICAL > 0 (CVE-2019-14697 ×2))',
      auditAnnotations: { 'decision-id': id },
    });
    expect(await auditRecord(id)).toMatchObject({ allowed: false, images: [{ digest: VULNERABLE, allowed: false, reasons: ['vulnerabilities'] }] });
  });

  it('reports every failing check of every image, not only the first', async () => {
    const { json } = await post(
      imageReview({ containers: [{ image: 'nginx:1.27' }, { image: `localhost:5000/team/new@${UNSCANNED}` }], namespace: 'payments' }),
    );
    expect(json.status).toMatchObject({
      allowed: false,
      reason:
        'nginx:1.27: registry-not-allowed (docker.io is not an allowed registry), digest-required (tag "1.27" has no digest); ' +
        'localhost:5000/team/new@sha256:e5e5e5e5e5e5…: not-approved (no approval for localhost:5000/team/new@sha256:e5e5e5e5e5e5…), ' +
        'scan-missing (no scan of sha256:e5e5e5e5e5e5…)',
    });
    expect(await auditRecord(decisionIdOf(json))).toMatchObject({
      images: [
        { image: 'nginx:1.27', repository: 'docker.io/library/nginx', digest: null, reasons: ['registry-not-allowed', 'digest-required'] },
        { repository: 'localhost:5000/team/new', digest: UNSCANNED, reasons: ['not-approved', 'scan-missing'] },
      ],
    });
  });

  it('denies (200, never 400) a pod with more containers than --max-containers, recording the first 256 unjudged', async () => {
    const containers = Array.from({ length: 257 }, () => ({ image: `localhost:5000/team/api@${APPROVED}` }));
    const { status, json } = await post(imageReview({ containers, namespace: 'payments' }));
    expect(status).toBe(200);
    const id = decisionIdOf(json);
    expect(json).toEqual({
      apiVersion: 'imagepolicy.k8s.io/v1alpha1',
      kind: 'ImageReview',
      status: {
        allowed: false,
        reason: 'too-many-images (the pod names 257 images; at most 256 are reviewed)',
        auditAnnotations: { 'decision-id': id },
      },
    });
    const record = (await auditRecord(id)) as { allowed: boolean; images: Record<string, unknown>[] };
    expect(record).toMatchObject({ namespace: 'payments', allowed: false, mode: 'enforce', breakGlass: false });
    expect(record.images).toHaveLength(256);
    expect(record.images[255]).toEqual({
      image: `localhost:5000/team/api@${APPROVED}`,
      repository: 'localhost:5000/team/api',
      digest: APPROVED,
      allowed: false,
      reasons: ['too-many-images'],
      unchanged: false,
      signature: null,
    });
    const found = await runCli(dbPath, ['audit', '--reason', 'too-many-images', '--json']);
    expect(found.stdout).toContain(`"id":${id},`);
  });

  it('denies (200, never 400) a pod whose image strings exceed 1 MiB, recording each image cut at 4096 characters', async () => {
    const long = `localhost:5000/team/${'a'.repeat(600_000)}@${APPROVED}`;
    const { status, json } = await post(imageReview({ containers: [{ image: long }, { image: long }], namespace: 'payments' }));
    expect(status).toBe(200);
    const id = decisionIdOf(json);
    const chars = 2 * long.length;
    expect(json).toEqual({
      apiVersion: 'imagepolicy.k8s.io/v1alpha1',
      kind: 'ImageReview',
      status: {
        allowed: false,
        reason: `too-many-images (the pod's image references total ${chars} characters; at most 1048576 are reviewed)`,
        auditAnnotations: { 'decision-id': id },
      },
    });
    expect(await auditRecord(id)).toMatchObject({
      allowed: false,
      images: [
        { image: `${long.slice(0, 4096)}…`, repository: null, digest: null, allowed: false, reasons: ['too-many-images'] },
        { image: `${long.slice(0, 4096)}…`, repository: null, digest: null, allowed: false, reasons: ['too-many-images'] },
      ],
    });
    // The decision log line is cut the same way: a megabyte image string must not become a megabyte of log per review.
    const line = await decisionLogLine(id);
    expect(line.images).toEqual([
      { image: `${long.slice(0, 4096)}…`, digest: null, reasons: ['too-many-images'] },
      { image: `${long.slice(0, 4096)}…`, digest: null, reasons: ['too-many-images'] },
    ]);
  });

  it('decodes a gzip body (Content-Encoding) and decides it like the plain one', async () => {
    const body = zlib.gzipSync(JSON.stringify(imageReview({ containers: [{ image: `localhost:5000/team/api@${APPROVED}` }], namespace: 'payments' })));
    const { status, json } = await post(body, { contentEncoding: 'gzip' });
    expect(status).toBe(200);
    expect(json.status).toEqual({ allowed: true, reason: '1 image approved', auditAnnotations: { 'decision-id': decisionIdOf(json) } });
  });

  it('allows a pod without containers and still records it', async () => {
    const body = fs.readFileSync(path.join(FIXTURES, 'imagereview/apiserver-no-containers.json'), 'utf8');
    const { status, json } = await post(body);
    expect(status).toBe(200);
    expect(json.status).toMatchObject({ allowed: true, reason: 'no containers to review' });
    expect(await auditRecord(decisionIdOf(json))).toMatchObject({ namespace: 'payments', allowed: true, images: [] });
  });

  it('records an absent namespace as empty and judges it under defaultMode', async () => {
    const body = fs.readFileSync(path.join(FIXTURES, 'imagereview/apiserver-no-namespace.json'), 'utf8').replace('{{DIGEST}}', APPROVED);
    const { json } = await post(body);
    expect(json.status).toMatchObject({ allowed: true });
    expect(await auditRecord(decisionIdOf(json))).toMatchObject({ namespace: '', mode: 'enforce' });
  });

  it('answers dry-run namespaces allowed, with what would have been denied in the audit annotations', async () => {
    const { json } = await post(imageReview({ containers: [{ image: 'nginx:1.27' }], namespace: 'dev-alice' }));
    const wouldDeny = 'nginx:1.27: registry-not-allowed (docker.io is not an allowed registry), digest-required (tag "1.27" has no digest)';
    expect(json.status).toEqual({
      allowed: true,
      reason: `dry-run: would deny: ${wouldDeny}`,
      auditAnnotations: { 'decision-id': decisionIdOf(json), 'dry-run': 'true', 'overridden-verification-result': wouldDeny },
    });
    expect(await auditRecord(decisionIdOf(json))).toMatchObject({ allowed: true, mode: 'dry-run', images: [{ allowed: false }] });
  });

  it('answers exempt namespaces allowed without checks, still recorded', async () => {
    const { json } = await post(imageReview({ containers: [{ image: 'nginx:1.27' }], namespace: 'kube-system' }));
    expect(json.status).toMatchObject({ allowed: true, reason: 'namespace kube-system is exempt' });
    expect(await auditRecord(decisionIdOf(json))).toMatchObject({ mode: 'exempt', images: [{ image: 'nginx:1.27', reasons: [] }] });
  });

  it('honours break-glass with a ticket, flags the audit row and annotates the answer', async () => {
    const { json } = await post(
      imageReview({
        containers: [{ image: `localhost:5000/team/new@${UNSCANNED}` }],
        annotations: { 'mycluster.image-policy.k8s.io/INC-4711': 'break-glass' },
        namespace: 'payments',
      }),
    );
    const overridden =
      'localhost:5000/team/new@sha256:e5e5e5e5e5e5…: not-approved (no approval for localhost:5000/team/new@sha256:e5e5e5e5e5e5…), ' +
      'scan-missing (no scan of sha256:e5e5e5e5e5e5…)';
    expect(json.status).toEqual({
      allowed: true,
      reason: `break-glass (ticket INC-4711): allowed despite: ${overridden}`,
      auditAnnotations: {
        'decision-id': decisionIdOf(json),
        'break-glass': 'true',
        ticket: 'INC-4711',
        'overridden-verification-result': overridden,
      },
    });
    expect(await auditRecord(decisionIdOf(json))).toMatchObject({ allowed: true, breakGlass: true, ticket: 'INC-4711' });
    expect(server.logs.some((l) => l.msg === 'break-glass override' && l.ticket === 'INC-4711')).toBe(true);
  });

  it('never lets break-glass override a registry that is not allowed (the documentation example)', async () => {
    const body = fs.readFileSync(path.join(FIXTURES, 'imagereview/docs-break-glass.json'), 'utf8');
    const { json } = await post(body);
    expect(json.status).toMatchObject({ allowed: false });
    const record = await auditRecord(decisionIdOf(json));
    expect(record).toMatchObject({ namespace: 'mynamespace', allowed: false, breakGlass: false, ticket: 'ticket-1234' });
  });

  it('refuses break-glass in a namespace the policy does not permit it in', async () => {
    const { json } = await post(
      imageReview({
        containers: [{ image: `localhost:5000/team/new@${UNSCANNED}` }],
        annotations: { 'alpha.image-policy.k8s.io/break-glass': 'true', 'alpha.image-policy.k8s.io/ticket': 'INC-1' },
        namespace: 'web',
      }),
    );
    expect(json.status).toMatchObject({ allowed: false });
    expect(await auditRecord(decisionIdOf(json))).toMatchObject({
      breakGlass: false,
      ticket: 'INC-1',
      images: [{ reasons: ['not-approved', 'scan-missing', 'break-glass-refused'] }],
    });
  });
});

describe('POST /imagereview with bad input', () => {
  const deep = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
  const head = '"apiVersion":"imagepolicy.k8s.io/v1alpha1","kind":"ImageReview"';
  const cases: readonly [string, string | Buffer | Record<string, unknown>, string, PostOptions][] = [
    ['malformed JSON', '{"kind":"ImageReview",', 'body is not valid JSON: ', {}],
    ['an empty body', '', 'body is not valid JSON: ', {}],
    ['JSON null', 'null', 'body is not an ImageReview: a JSON object is expected, got null', {}],
    ['a JSON array', '[]', 'body is not an ImageReview: a JSON object is expected, got an array', {}],
    ['a JSON string', '"hello"', 'body is not an ImageReview: a JSON object is expected, got "hello"', {}],
    ['a 5,000-deep array', deep(5000), 'body is not an ImageReview: a JSON object is expected, got an array', {}],
    ['a 5,000-deep apiVersion', `{"apiVersion":${deep(5000)}}`, 'apiVersion must be "imagepolicy.k8s.io/v1alpha1", got an array', {}],
    ['a 5,000-deep spec', `{${head},"spec":{"containers":${deep(5000)}}}`, 'spec.containers[0] must be an object', {}],
    ['a 5,000-deep unclosed body', '{"a":'.repeat(5000), 'body is not valid JSON: ', {}],
    ['a wrong apiVersion', { ...imageReview({}), apiVersion: 'imagepolicy.k8s.io/v1' }, 'apiVersion must be "imagepolicy.k8s.io/v1alpha1", got "imagepolicy.k8s.io/v1"', {}],
    ['a wrong kind', { ...imageReview({}), kind: 'AdmissionReview' }, 'kind must be "ImageReview", got "AdmissionReview"', {}],
    ['no spec', { kind: 'ImageReview', apiVersion: 'imagepolicy.k8s.io/v1alpha1' }, 'spec must be an object', {}],
    ['containers that are not an array', imageReview({ containers: { image: 'x' } }), 'spec.containers must be an array', {}],
    ['an image that is not a string', imageReview({ containers: [{ image: 42 }] }), 'spec.containers[0].image must be a string', {}],
    ['an annotation value that is not a string', imageReview({ annotations: { 'a.image-policy.k8s.io/x': true } }), 'spec.annotations["a.image-policy.k8s.io/x"] must be a string', {}],
    ['a namespace that is not a string', imageReview({ namespace: ['default'] }), 'spec.namespace must be a string', {}],
    ['a non-JSON content type', JSON.stringify(imageReview({})), 'Content-Type must be application/json', { contentType: 'text/plain' }],
    ['a charset other than UTF-8', JSON.stringify(imageReview({})), 'unsupported charset "utf-16": JSON is UTF-8', { contentType: 'application/json; charset=utf-16' }],
    ['a corrupt gzip body', Buffer.concat([zlib.gzipSync(JSON.stringify(imageReview({}))).subarray(0, 20), Buffer.from('garbage')]), 'body is not valid for its Content-Encoding: ', { contentEncoding: 'gzip' }],
    ['a gzip body that is not gzip', JSON.stringify(imageReview({})), 'body is not valid for its Content-Encoding: incorrect header check', { contentEncoding: 'gzip' }],
  ];

  it.each(cases)('answers %s with 400, a Kubernetes Status body, and records nothing', async (_name, body, message, options) => {
    const before = decisionCount();
    const { status, json } = await post(body, options);
    expect(status).toBe(400);
    expect(json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: expect.any(String), reason: 'BadRequest', code: 400 });
    expect(String(json.message)).toContain(message);
    expect(decisionCount()).toBe(before);
  });

  it('denies a body past --max-body-bytes (8 MiB, above anything the API server sends) unread, with a 200', async () => {
    const before = decisionCount();
    const response = await fetch(`${server.baseUrl}/imagereview`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(imageReview({ containers: [{ image: 'x'.repeat(9 * 1024 * 1024) }] })),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      apiVersion: 'imagepolicy.k8s.io/v1alpha1',
      kind: 'ImageReview',
      status: { allowed: false, reason: 'too-many-images (the review is larger than 8388608 bytes and was not read)' },
    });
    expect(decisionCount()).toBe(before);
  });

  it('denies a gzip bomb with a 200 once the decoded body passes the limit', async () => {
    const { status, json } = await post(zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)), { contentEncoding: 'gzip' });
    expect(status).toBe(200);
    expect(json.status).toEqual({ allowed: false, reason: 'too-many-images (the review is larger than 8388608 bytes and was not read)' });
  });

  it('answers an unknown Content-Encoding (the API server sends none) with 400', async () => {
    const { status, json } = await post(imageReview({}), { contentEncoding: 'compress' });
    expect(status).toBe(400);
    expect(json).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400, message: 'unsupported Content-Encoding "compress"' });
  });

  it('denies (never 400s) an image string that does not parse, so a fail-open API server cannot let it through', async () => {
    const { status, json } = await post(imageReview({ containers: [{ image: 'Not A Valid/Ref\u0000' }], namespace: 'payments' }));
    expect(status).toBe(200);
    expect(json.status).toMatchObject({ allowed: false });
    expect(String((json.status as { reason: string }).reason)).toContain('invalid-reference');
  });

  it('answers other methods with 400 (naming the method in Allow) and unknown paths with 404', async () => {
    const get = await fetch(`${server.baseUrl}/imagereview`);
    expect(get.status).toBe(400);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    const unknown = await fetch(`${server.baseUrl}/nope`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ kind: 'Status', code: 404 });
  });

  it('counts invalid requests in /metrics by reason and keeps the audit chain intact', async () => {
    const badJson = /image_reviewer_invalid_requests_total\{reason="bad-json"\} (\d+)/;
    const before = await metric(badJson);
    expect((await post('{"kind":')).status).toBe(400);
    expect(await metric(badJson)).toBe(before + 1);
    const denied = /image_reviewer_reviews_total\{decision="denied",mode="enforce",endpoint="imagereview"\} (\d+)/;
    const deniedBefore = await metric(denied);
    expect((await post(imageReview({ containers: [{ image: 'nginx' }], namespace: 'payments' }))).json.status).toMatchObject({ allowed: false });
    expect(await metric(denied)).toBe(deniedBefore + 1);
    // Every recorded decision was in one committed batch, and each batch's commit was timed.
    const decisions = await metric(/image_reviewer_audit_commit_decisions_sum (\d+)/);
    expect(decisions).toBe(decisionCount());
    const commits = await metric(/image_reviewer_audit_commit_duration_seconds_count (\d+)/);
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThanOrEqual(decisions);
    expect(await metric(/image_reviewer_audit_commit_decisions_count (\d+)/)).toBe(commits);
    const verify = await runCli(dbPath, ['audit', 'verify']);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^audit chain ok: \d+ decisions/);
  });
});

describe('health endpoints', () => {
  it('answers /healthz and /readyz with ok', async () => {
    for (const probe of ['/healthz', '/readyz']) {
      const response = await fetch(`${server.baseUrl}${probe}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('ok');
    }
  });
});
