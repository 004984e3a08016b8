import fs from 'node:fs';
import { Pool } from 'undici';
import { seedCli } from '../helpers/run-cli';
import { type ServeProcess, imageNodeOptions, startServeProcess } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// SPEC §11: under saturating load `serve` stays well inside the 256 MiB memory limit of deploy/kubernetes. Judged as
// a user judges it: the process's peak resident memory (VmHWM, what the cgroup limit counts), with the Node flags
// the container image sets (its NODE_OPTIONS, read from the Dockerfile) and no others. The load mixes what the API
// server sends (10-container pods, allowed) with the largest reviews a pod author can cause (too-many-images denies
// of 1.5 MiB bodies), on 64 connections: more than a 2-core machine can answer at once, so requests queue.

const DIGEST = `sha256:${'7e'.repeat(32)}`;
const IMAGE = `localhost:5000/team/api@${DIGEST}`;
const POLICY = 'registries: [localhost:5000]\ntags: require-digest\nscan: {required: false}\n';
const MIB = 1024 * 1024;
/** "Well inside" 256 MiB: a fifth of the limit left for what a test on a shared machine cannot load. */
const PEAK_RSS_LIMIT = 205 * MIB;
const CONNECTIONS = 64;
const REVIEWS = 6000;

let dir: TempDir;
let dbPath: string;
let server: ServeProcess | undefined;

beforeAll(async () => {
  dir = makeTempDir('serve-memory-');
  dbPath = dir.file('store.db');
  fs.writeFileSync(dir.file('policy.yaml'), POLICY);
  await seedCli(dbPath, ['approve', '--offline', IMAGE]);
});

afterAll(async () => {
  await server?.stop();
  dir?.cleanup();
});

function review(images: readonly string[]): string {
  return JSON.stringify({
    apiVersion: 'imagepolicy.k8s.io/v1alpha1',
    kind: 'ImageReview',
    spec: { namespace: 'prod', containers: images.map((image) => ({ image })), annotations: {} },
  });
}

function vm(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no ${field} for ${pid}`);
  return Number(match[1]) * 1024;
}

it('keeps its peak resident memory well inside 256 MiB under saturating load, with the image\u2019s Node flags', async () => {
  server = await startServeProcess(['--db', dbPath, 'serve', '--listen', '127.0.0.1:0', '--policy', dir.file('policy.yaml')], {
    NODE_OPTIONS: imageNodeOptions(),
  });
  const pid = server.child.pid ?? 0;
  const pod = review(Array.from({ length: 10 }, () => IMAGE));
  const huge = review(Array.from({ length: 3 }, () => `${IMAGE}${'x'.repeat(500_000)}`));
  const pool = new Pool(server.baseUrl, { connections: CONNECTIONS, pipelining: 1 });
  const wrong: string[] = [];
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < REVIEWS) {
      const hostile = next++ % 50 === 0;
      const res = await pool.request({
        path: '/imagereview',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: hostile ? huge : pod,
      });
      const answer = (await res.body.json()) as { status?: { allowed?: boolean; reason?: string } };
      if (res.statusCode !== 200 || answer.status?.allowed !== !hostile) wrong.push(`${res.statusCode} ${JSON.stringify(answer).slice(0, 200)}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONNECTIONS }, client));
  } finally {
    await pool.close();
  }
  expect(wrong).toEqual([]);
  const peak = vm(pid, 'VmHWM');
  expect(peak).toBeLessThan(PEAK_RSS_LIMIT);
  // What an operator's alert reads: /metrics reports the same process's resident memory.
  const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const rss = Number(/^process_resident_memory_bytes (\d+)/m.exec(metrics)?.[1]);
  expect(rss).toBeGreaterThan(0);
  expect(rss).toBeLessThanOrEqual(peak);
}, 240_000);
