import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { Pool } from 'undici';
import { seedCli } from '../helpers/run-cli';
import { type ServeProcess, imageNodeOptions, startServeProcess } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// Hostile input at volume (SPEC §2, §9): a generated corpus of over 10,000 malformed and adversarial requests
// against the real server. Whatever arrives, the server stays up, answers 200 or a 4xx, never says
// `allowed: true` unless the review is valid and every image approved, keeps its memory bounded, and still
// answers a valid review correctly afterwards.

const POLICY = path.resolve(__dirname, '../../policy/sample-policy.yaml');
const APPROVED = `registry.corp.example/hostile/app@sha256:${'a'.repeat(64)}`;
const UNAPPROVED = `registry.corp.example/hostile/app@sha256:${'b'.repeat(64)}`;
// The approved image itself: registry hosts are case-insensitive and normalised to lower case (SPEC §3).
const APPROVED_UPPER_HOST = APPROVED.replace('registry', 'REGISTRY');
const API_VERSION = 'imagepolicy.k8s.io/v1alpha1';
/** The server's default limits (serve --max-body-bytes, --max-containers, --max-image-chars). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_CONTAINERS = 256;
const MAX_IMAGE_CHARS = 1024 * 1024;
/**
 * The container's memory limit (README "Memory"): the server runs with the image's Node flags, as in the container,
 * and must stay inside the limit whatever the corpus sends (unbounded buffering of it would take far more).
 */
const MAX_RSS_MB = 256;

interface Case {
  readonly name: string;
  readonly body: string | Buffer;
  readonly headers?: Record<string, string>;
  readonly method?: string;
  /** Only a valid review of approved images may be allowed; every other case must not be. */
  readonly mayAllow?: boolean;
}

let dir: TempDir;
let server: ServeProcess;

beforeAll(async () => {
  dir = makeTempDir('hostile-');
  const db = dir.file('store.db');
  await seedCli(db, ['approve', APPROVED, '--offline']);
  const report = dir.file('scan.json');
  fs.writeFileSync(report, JSON.stringify({ SchemaVersion: 2, CreatedAt: new Date().toISOString(), Metadata: { RepoDigests: [APPROVED] }, Results: [] }));
  await seedCli(db, ['scan', 'import', report]);
  server = await startServeProcess(['--db', db, 'serve', '--policy', POLICY, '--listen', '127.0.0.1:0'], { NODE_OPTIONS: imageNodeOptions() });
});

afterAll(async () => {
  await server?.stop();
  dir?.cleanup();
});

const review = (spec: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: API_VERSION,
  kind: 'ImageReview',
  metadata: { creationTimestamp: null },
  spec,
  status: { allowed: false },
  ...extra,
});
const json = (value: unknown): string => JSON.stringify(value);
const valid = (images: readonly string[], namespace = 'prod', annotations: Record<string, string> = {}): string =>
  json(review({ containers: images.map((image) => ({ image })), annotations, namespace }));

/** Every value of a different JSON type, for every field. */
const ODD_VALUES: readonly unknown[] = [null, true, false, 0, -1, 1.5, 1e308, '', 'x', [], {}, [APPROVED], { image: APPROVED }, [[]], ' '];

function wrongTypes(): Case[] {
  const paths: readonly ((v: unknown) => unknown)[] = [
    (v) => ({ ...review({ containers: [{ image: APPROVED }], namespace: 'prod' }), apiVersion: v }),
    (v) => ({ ...review({ containers: [{ image: APPROVED }], namespace: 'prod' }), kind: v }),
    (v) => ({ ...review({ containers: [{ image: APPROVED }], namespace: 'prod' }), metadata: v }),
    (v) => review(v),
    (v) => review({ containers: v, namespace: 'prod' }),
    (v) => review({ containers: [v], namespace: 'prod' }),
    (v) => review({ containers: [{ image: v }], namespace: 'prod' }),
    (v) => review({ containers: [{ image: APPROVED }, { image: v }], namespace: 'prod' }),
    (v) => review({ containers: [{ image: UNAPPROVED }], annotations: v, namespace: 'prod' }),
    (v) => review({ containers: [{ image: UNAPPROVED }], annotations: { 'alpha.image-policy.k8s.io/break-glass': v }, namespace: 'prod' }),
    (v) => review({ containers: [{ image: UNAPPROVED }], namespace: v }),
    (v) => ({ ...review({ containers: [{ image: UNAPPROVED }], namespace: 'prod' }), status: v }),
    (v) => ({ ...review({ containers: [{ image: UNAPPROVED }], namespace: 'prod' }), status: { allowed: v } }),
  ];
  const cases: Case[] = [];
  paths.forEach((make, p) =>
    ODD_VALUES.forEach((v, i) => {
      const body = make(v);
      cases.push({ name: `wrong type #${p}.${i}`, body: json(body) });
    }),
  );
  return cases;
}

/**
 * The oracle: whether a parsed body is a valid review that must be allowed — every image the approved one
 * (approved images pass in any namespace mode), or no containers at all (SPEC §2: an empty container list is
 * allowed and recorded; unknown keys are ignored, so a misspelt `containers` is such a review). The corpus
 * never uses exempt or dry-run namespaces, nor break-glass annotations, so nothing else may be allowed.
 */
function isPlainlyApproved(body: unknown): boolean {
  const images = reviewImages(body);
  if (images === null || images.length > MAX_CONTAINERS) return false;
  return images.join('').length <= MAX_IMAGE_CHARS && images.every((image) => image === APPROVED);
}

/** The images of a body that is a well-formed ImageReview, or null when it is not one (the server's 400s). */
function reviewImages(body: unknown): string[] | null {
  if (!isObject(body) || body.apiVersion !== API_VERSION || body.kind !== 'ImageReview') return null;
  if (body.metadata !== undefined && body.metadata !== null && !isObject(body.metadata)) return null;
  const spec = body.spec;
  if (!isObject(spec)) return null;
  if (spec.namespace !== undefined && spec.namespace !== null && typeof spec.namespace !== 'string') return null;
  if (spec.annotations !== undefined && spec.annotations !== null) {
    if (!isObject(spec.annotations) || Object.values(spec.annotations).some((v) => typeof v !== 'string')) return null;
  }
  const containers: unknown = spec.containers ?? [];
  if (!Array.isArray(containers)) return null;
  const images: string[] = [];
  for (const c of containers) {
    if (!isObject(c) || (c.image !== undefined && c.image !== null && typeof c.image !== 'string')) return null;
    images.push(typeof c.image === 'string' ? c.image : '');
  }
  return images;
}

/**
 * SPEC §2: whatever a pod author can put in a well-formed review (many containers, long or odd strings) is answered
 * 200, so an API server that fails open on errors never sees one.
 */
function mustAnswer200(c: Case): boolean {
  if (c.method !== undefined || c.headers !== undefined || typeof c.body !== 'string') return false;
  // Past the body limit the review is denied unread: still a 200 (SPEC §2).
  if (Buffer.byteLength(c.body) > MAX_BODY_BYTES) return true;
  try {
    return reviewImages(JSON.parse(c.body)) !== null;
  } catch {
    return false;
  }
}

/** A case's own verdict when it sets one, else the oracle's on the body as JSON.parse (and the server) reads it. */
function mustAllow(c: Case): boolean {
  if (c.mayAllow !== undefined) return c.mayAllow;
  if (c.method !== undefined || c.headers !== undefined || typeof c.body !== 'string') return false;
  // Past the body limit (above anything the API server sends) nothing is parsed: denied, whatever the content.
  if (Buffer.byteLength(c.body) > MAX_BODY_BYTES) return false;
  try {
    return isPlainlyApproved(JSON.parse(c.body));
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truncations(): Case[] {
  const bodies = [valid([APPROVED]), valid([APPROVED, APPROVED], 'prod', { 'team.image-policy.k8s.io/owner': 'a' })];
  const cases: Case[] = [];
  for (const whole of bodies) {
    for (let cut = 0; cut < whole.length; cut++) cases.push({ name: `truncated at ${cut}`, body: whole.slice(0, cut) });
  }
  return cases;
}

function nesting(): Case[] {
  const cases: Case[] = [];
  for (const depth of [10, 100, 1000, 10_000, 100_000, 300_000]) {
    cases.push({ name: `array depth ${depth}`, body: '['.repeat(depth) + ']'.repeat(depth) });
    cases.push({ name: `unclosed depth ${depth}`, body: '{"a":'.repeat(depth) });
    const deep = '{"x":'.repeat(depth) + '1' + '}'.repeat(depth);
    cases.push({ name: `deep spec ${depth}`, body: `{"apiVersion":"${API_VERSION}","kind":"ImageReview","spec":${deep}}` });
    cases.push({ name: `deep image ${depth}`, body: `{"apiVersion":"${API_VERSION}","kind":"ImageReview","spec":{"containers":[{"image":${'['.repeat(depth)}${']'.repeat(depth)}}]}}` });
    cases.push({ name: `deep annotation ${depth}`, body: `{"apiVersion":"${API_VERSION}","kind":"ImageReview","spec":{"containers":[{"image":"${APPROVED}"}],"namespace":"prod","annotations":{"k":${deep}}}}` });
  }
  return cases;
}

function hugeInputs(): Case[] {
  const big = (n: number): string => 'a'.repeat(n);
  return [
    { name: 'image 100 KB', body: valid([`${APPROVED}${big(100_000)}`]) },
    { name: 'image 900 KB', body: valid([big(900_000)]) },
    { name: 'approved image plus 900 KB tag', body: valid([`registry.corp.example/hostile/app:${big(900_000)}@sha256:${'a'.repeat(64)}`]) },
    { name: 'namespace 500 KB', body: valid([UNAPPROVED], big(500_000)) },
    { name: 'annotation key 500 KB', body: valid([UNAPPROVED], 'prod', { [big(500_000)]: 'v' }) },
    { name: 'annotation value 500 KB', body: valid([UNAPPROVED], 'prod', { 'a.image-policy.k8s.io/ticket': big(500_000) }) },
    { name: 'body over 1 MB', body: valid([APPROVED], 'prod', { pad: big(1_100_000) }) },
    { name: 'body over the 8 MiB limit', body: valid([APPROVED], 'prod', { pad: big(9 * 1024 * 1024) }) },
    { name: '200 approved images padded to over 1 MiB in total', body: valid(Array.from({ length: 200 }, () => `${APPROVED}${' '.repeat(6000)}`)) },
    { name: '10,000 containers', body: valid(Array.from({ length: 10_000 }, () => APPROVED)) },
    { name: '10,000 unapproved containers', body: valid(Array.from({ length: 10_000 }, () => UNAPPROVED)) },
    { name: '256 approved containers', body: valid(Array.from({ length: 256 }, () => APPROVED)), mayAllow: true },
    { name: '256 containers, last unapproved', body: valid([...Array.from({ length: 255 }, () => APPROVED), UNAPPROVED]) },
    { name: '256 distinct odd images', body: valid(Array.from({ length: 256 }, (_, i) => `registry.corp.example/x${i}/${'y'.repeat(i)}`)) },
    { name: '100,000 annotations', body: valid([UNAPPROVED], 'prod', Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 'v']))) },
    {
      name: 'gzip bomb (100 MB of zeros)',
      body: zlib.gzipSync(Buffer.alloc(100 * 1024 * 1024)),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    },
    { name: 'unknown content-encoding', body: valid([APPROVED]), headers: { 'content-type': 'application/json', 'content-encoding': 'br2' } },
    { name: 'utf-16 charset', body: valid([APPROVED]), headers: { 'content-type': 'application/json; charset=utf-16' } },
    { name: 'text/plain', body: valid([APPROVED]), headers: { 'content-type': 'text/plain' } },
    { name: 'no content-type', body: valid([APPROVED]), headers: {} },
    { name: 'GET', body: '', method: 'GET' },
    { name: 'PUT', body: valid([APPROVED]), method: 'PUT' },
  ];
}

/** Strings that look like the approved image but are not it, and odd characters anywhere a string goes. */
const ODD_STRINGS: readonly string[] = [
  '\u0000', `${APPROVED}\u0000`, `\u0000${APPROVED}`, `${APPROVED}\n`, ` ${APPROVED}`, `${APPROVED} `, APPROVED.toUpperCase(),
  APPROVED.replace('a', '\u0430'), APPROVED.replace('registry', 'r\u200begistry'), `${APPROVED}\u202e`, '\u202eevil', '\ud800',
  `${APPROVED}\udfff`, '\uffff', '\ufeff', '💥'.repeat(100), '\r\nX-Injected: 1', '%00', '../../etc/passwd', '${jndi:ldap://x}',
  '<script>alert(1)</script>', "'; DROP TABLE decisions; --", '\\', '"', '\u001b[31mred', 'a'.repeat(300), 'DOCKER.IO/library/nginx',
  `registry.corp.example/hostile/app@sha256:${'A'.repeat(64)}`, `registry.corp.example/hostile/app@sha256:${'a'.repeat(63)}`,
  `registry.corp.example/hostile/app@sha256:${'a'.repeat(65)}`, `registry.corp.example/hostile/app@sha512:${'a'.repeat(64)}`,
  `registry.corp.example/hostile/app:latest@sha256:${'b'.repeat(64)}`, `registry.corp.example:443/hostile/app@sha256:${'a'.repeat(64)}`,
  APPROVED_UPPER_HOST, `evil.example/hostile/app@sha256:${'a'.repeat(64)}`,
  `registry.corp.example/hostile/../hostile/app@sha256:${'a'.repeat(64)}`, `registry.corp.example//hostile/app@sha256:${'a'.repeat(64)}`,
];

function oddCharacters(): Case[] {
  const cases: Case[] = [];
  ODD_STRINGS.forEach((s, i) => {
    const mayAllow = s === APPROVED_UPPER_HOST ? true : undefined;
    cases.push({ name: `odd image #${i}`, body: valid([s]), mayAllow });
    cases.push({ name: `odd image with approved #${i}`, body: valid([APPROVED, s]), mayAllow });
    cases.push({ name: `odd namespace #${i}`, body: valid([UNAPPROVED], s) });
    cases.push({ name: `odd annotation key #${i}`, body: valid([UNAPPROVED], 'prod', { [s]: 'v', [`x.image-policy.k8s.io/${s}`]: s }) });
    cases.push({ name: `odd annotation value #${i}`, body: valid([UNAPPROVED], 'prod', { 'x.image-policy.k8s.io/ticket': s }) });
    // Control characters that JSON.stringify would escape, sent raw instead (invalid JSON).
    cases.push({ name: `raw control in image #${i}`, body: valid([`${APPROVED}X`]).replace('X', '\u0001') });
  });
  cases.push({ name: 'invalid UTF-8', body: Buffer.concat([Buffer.from(valid([APPROVED]).slice(0, 60)), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from(valid([APPROVED]).slice(60))]) });
  cases.push({ name: 'BOM then JSON', body: `\ufeff${valid([UNAPPROVED])}` });
  return cases;
}

function duplicatesAndPrototypes(): Case[] {
  const head = `"apiVersion":"${API_VERSION}","kind":"ImageReview"`;
  const raw = (name: string, body: string, mayAllow = false): Case => ({ name, body, mayAllow });
  return [
    raw('duplicate image, unapproved last', `{${head},"spec":{"namespace":"prod","containers":[{"image":"${APPROVED}","image":"${UNAPPROVED}"}]}}`),
    // JSON.parse (like Go's encoding/json, which the API server uses) keeps the last duplicate.
    raw('duplicate image, approved last', `{${head},"spec":{"namespace":"prod","containers":[{"image":"${UNAPPROVED}","image":"${APPROVED}"}]}}`, true),
    raw('duplicate spec', `{${head},"spec":{"namespace":"prod","containers":[{"image":"${APPROVED}"}]},"spec":{"namespace":"prod","containers":[{"image":"${UNAPPROVED}"}]}}`),
    raw('duplicate kind', `{"apiVersion":"${API_VERSION}","kind":"ImageReview","kind":"Pod","spec":{"namespace":"prod","containers":[{"image":"${APPROVED}"}]}}`),
    raw('duplicate status', `{${head},"status":{"allowed":true},"status":{"allowed":true},"spec":{"namespace":"prod","containers":[{"image":"${UNAPPROVED}"}]}}`),
    raw('__proto__ body', `{"__proto__":{"apiVersion":"${API_VERSION}","kind":"ImageReview","spec":{"containers":[{"image":"${APPROVED}"}]}}}`),
    raw('__proto__ spec', `{${head},"spec":{"__proto__":{"namespace":"kube-system","containers":[{"image":"${APPROVED}"}]},"namespace":"prod","containers":[{"image":"${UNAPPROVED}"}]}}`),
    raw('__proto__ container', `{${head},"spec":{"namespace":"prod","containers":[{"__proto__":{"image":"${APPROVED}"}}]}}`),
    raw('__proto__ containers', `{${head},"spec":{"namespace":"prod","containers":{"__proto__":[{"image":"${APPROVED}"}],"length":1}}}`),
    raw('__proto__ status', `{${head},"__proto__":{"status":{"allowed":true}},"spec":{"namespace":"prod","containers":[{"image":"${UNAPPROVED}"}]}}`),
    raw('__proto__ annotations', `{${head},"spec":{"namespace":"prod","containers":[{"image":"${UNAPPROVED}"}],"annotations":{"__proto__":{"alpha.image-policy.k8s.io/break-glass":"true"},"constructor":"x","prototype":"y","hasOwnProperty":"z","toString":"w"}}}`),
    raw('constructor.prototype', `{${head},"constructor":{"prototype":{"allowed":true}},"spec":{"namespace":"prod","containers":[{"image":"${UNAPPROVED}"}]}}`),
    raw('container without image', `{${head},"spec":{"namespace":"prod","containers":[{}]}}`),
    raw('container with name only', `{${head},"spec":{"namespace":"prod","containers":[{"name":"${APPROVED}"}]}}`),
    raw('empty object', '{}'),
    raw('null', 'null'),
    raw('number', '1'),
    raw('string', `"${APPROVED}"`),
    raw('empty body', ''),
    raw('whitespace', '   \n\t '),
    raw('NaN', `{${head},"spec":{"namespace":"prod","containers":[{"image":NaN}]}}`),
    raw('comment', `{${head},/*x*/"spec":{"namespace":"prod","containers":[{"image":"${APPROVED}"}]}}`),
    raw('trailing comma', `{${head},"spec":{"namespace":"prod","containers":[{"image":"${APPROVED}"},]}}`),
    raw('single quotes', `{${head},'spec':{}}`),
    raw('two documents', `${valid([UNAPPROVED])}${valid([APPROVED])}`),
  ];
}

/** Mutations of a valid review of an unapproved image: none of them may become an allow. */
function mutations(count: number): Case[] {
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const base = valid([UNAPPROVED, APPROVED], 'prod', { 'team.image-policy.k8s.io/owner': 'x' });
  const alphabet = '{}[]":,\\ \u0000abc0-9\u00e9\ud83d';
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const chars = [...base];
    const edits = 1 + Math.floor(rnd() * 4);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rnd() * chars.length);
      const op = rnd();
      const c = alphabet[Math.floor(rnd() * alphabet.length)] ?? 'x';
      if (op < 0.33) chars.splice(at, 1);
      else if (op < 0.66) chars.splice(at, 0, c);
      else chars[at] = c;
    }
    const body = chars.join('');
    cases.push({ name: `mutation ${i}`, body });
  }
  return cases;
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Sends a body a few bytes at a time: the server must keep answering others meanwhile. */
function slowBody(port: number, body: string, chunk: number, everyMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.write(`POST /imagereview HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`);
    let at = 0;
    const timer = setInterval(() => {
      socket.write(body.slice(at, at + chunk));
      at += chunk;
      if (at >= body.length) clearInterval(timer);
    }, everyMs);
  });
}

it('survives over 10,000 hostile requests without an unwarranted allow, and still answers correctly', async () => {
  const corpus = [...wrongTypes(), ...truncations(), ...nesting(), ...hugeInputs(), ...oddCharacters(), ...duplicatesAndPrototypes()];
  corpus.push(...mutations(Math.max(0, 10_500 - corpus.length)));
  expect(corpus.length).toBeGreaterThanOrEqual(10_000);

  const port = Number(new URL(server.baseUrl).port);
  // Slowloris: connections that trickle their headers or body while the corpus is sent.
  const slow = Array.from({ length: 20 }, () => slowBody(port, valid([UNAPPROVED]), 8, 150));
  const pool = new Pool(server.baseUrl, { connections: 8, pipelining: 1, bodyTimeout: 10_000, headersTimeout: 10_000 });
  const wrong: string[] = [];
  const statuses = new Map<number, number>();
  let peak = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < corpus.length) {
      const c = corpus[next++]!;
      let res: Awaited<ReturnType<Pool['request']>>;
      let text: string;
      try {
        res = await pool.request({
          path: '/imagereview?timeout=30s',
          method: (c.method ?? 'POST') as 'POST',
          headers: c.headers ?? { 'content-type': 'application/json' },
          body: c.method === 'GET' ? undefined : c.body,
        });
        text = await res.body.text();
      } catch (err) {
        // A hung or dropped request is a failure of the server too; name it and go on with the corpus.
        wrong.push(`${c.name}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode !== 200 && (res.statusCode < 400 || res.statusCode >= 500)) wrong.push(`${c.name}: status ${res.statusCode} ${text.slice(0, 200)}`);
      if (res.statusCode !== 200 && mustAnswer200(c)) wrong.push(`${c.name}: status ${res.statusCode} for a well-formed review: ${text.slice(0, 200)}`);
      const allow = mustAllow(c);
      if (res.statusCode === 200) {
        const allowed = (JSON.parse(text) as { status?: { allowed?: unknown } }).status?.allowed;
        if (allowed === true && !allow) wrong.push(`${c.name}: allowed`);
        if (allowed !== true && allow) wrong.push(`${c.name}: denied though valid and approved: ${text.slice(0, 300)}`);
      } else if (allow) {
        wrong.push(`${c.name}: status ${res.statusCode} though valid and approved`);
      }
      if (next % 500 === 0) peak = Math.max(peak, peakRssMb(server.child.pid!));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const slowAnswers = await Promise.all(slow);
  await pool.close();

  expect(wrong).toEqual([]);
  expect(server.child.exitCode).toBeNull();
  for (const answer of slowAnswers) expect(answer).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*"allowed":false/);
  peak = Math.max(peak, peakRssMb(server.child.pid!));
  expect(peak).toBeLessThan(MAX_RSS_MB);

  const after = await fetch(`${server.baseUrl}/imagereview`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: valid([APPROVED]) });
  const answer = (await after.json()) as { status: { allowed: boolean; reason: string; auditAnnotations: Record<string, string> } };
  expect(after.status).toBe(200);
  expect(answer.status).toEqual({ allowed: true, reason: '1 image approved', auditAnnotations: { 'decision-id': expect.stringMatching(/^\d+$/) } });
}, 120_000);
