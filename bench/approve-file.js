#!/usr/bin/env node
'use strict';
// `approve --file` against a real registry: the time to approve N tag references one look-up at a time
// (--concurrency 1) and at the default concurrency, in the same run (only the ratio means much on a shared
// machine). Starts Debian's distribution registry (/usr/bin/docker-registry) on a loopback port, pushes N
// tags over the registry HTTP API, runs the built CLI (`npm run build` first), prints a table, and removes
// everything it made. Bounded: the whole run is abandoned after --timeout-s seconds (default 300).
//
// Two settings: the registry on loopback (round trips cost nothing, so the CPU of registry and CLI is what
// is measured), and the same registry behind a proxy that delays each answer by --latency-ms (default 20),
// as a registry across a network would; that is where concurrent look-ups pay off.
//
//   node bench/approve-file.js [--refs 500] [--rounds 2] [--latency-ms 20] [--timeout-s 300]
const { spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { request } = require('undici');

const REGISTRY_BINARY = '/usr/bin/docker-registry';
const CLI = path.resolve(__dirname, '../dist/cli.js');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const PUSH_CONCURRENCY = 16;

function log(msg) {
  process.stderr.write(`[approve-file] ${msg}\n`);
}

function parseArgs(argv) {
  const options = { refs: 500, rounds: 2, latencyMs: 20, timeoutS: 300 };
  const names = { '--refs': 'refs', '--rounds': 'rounds', '--latency-ms': 'latencyMs', '--timeout-s': 'timeoutS' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    const value = Number(argv[i + 1]);
    if (key === undefined || !Number.isInteger(value) || value < (key === 'latencyMs' ? 0 : 1)) {
      throw new Error(
        `usage: node bench/approve-file.js [--refs N] [--rounds N] [--latency-ms N] [--timeout-s N] (bad: ${argv[i]} ${argv[i + 1] ?? ''})`,
      );
    }
    options[key] = value;
  }
  return options;
}

const sha256 = (body) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRegistry(dir) {
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    [
      'version: 0.1',
      'log: {level: error, accesslog: {disabled: true}}',
      `storage: {filesystem: {rootdirectory: ${JSON.stringify(path.join(dir, 'data'))}}}`,
      `http: {addr: "127.0.0.1:${port}"}`,
    ].join('\n') + '\n',
  );
  const child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const host = `127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await request(`http://${host}/v2/`);
      await res.body.dump();
      if (res.statusCode === 200) return { host, child };
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`docker-registry did not answer on ${host} within 10 s: ${stderr}`);
}

async function pushBlob(host, repository, body) {
  const start = await request(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await start.body.dump();
  if (start.statusCode !== 202) throw new Error(`upload start answered ${start.statusCode}`);
  const url = new URL(start.headers.location, `http://${host}`);
  url.searchParams.set('digest', sha256(body));
  const put = await request(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body });
  const text = await put.body.text();
  if (put.statusCode !== 201) throw new Error(`blob upload answered ${put.statusCode}: ${text}`);
  return { digest: sha256(body), size: body.length };
}

/**
 * N tags, each its own manifest digest: one shared config and layer, and a manifest annotation that differs per
 * tag. So each `approve` costs what a real one does (manifest GET, then the config blob GET for the build time).
 */
async function pushTags(host, repository, count) {
  const layer = await pushBlob(host, repository, Buffer.from('bench layer'));
  const config = await pushBlob(
    host,
    repository,
    Buffer.from(JSON.stringify({ created: '2025-06-01T00:00:00Z', architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } })),
  );
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
          annotations: { 'org.opencontainers.image.version': `1.0.${i}` },
        }),
      );
      const res = await request(`http://${host}/v2/${repository}/manifests/v${i}`, { method: 'PUT', headers: { 'content-type': OCI_MANIFEST }, body: manifest });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`manifest PUT answered ${res.statusCode}: ${text}`);
    }
  }
  await Promise.all(Array.from({ length: PUSH_CONCURRENCY }, worker));
  return Array.from({ length: count }, (_, i) => `${host}/${repository}:v${i}`);
}

/**
 * A loopback HTTP proxy to the registry that holds each request `delayMs` before forwarding it: the round trip
 * of a registry across a network. It runs in this process, so the CLI is spawned asynchronously.
 */
async function startDelayProxy(target, delayMs) {
  const [hostname, port] = target.split(':');
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    setTimeout(() => {
      const upstream = http.request({ hostname, port: Number(port), method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.headersSent || res.writeHead(502).end());
      req.pipe(upstream);
    }, delayMs);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections();
      agent.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** One `approve --file` into a fresh store; resolves to seconds. */
async function timeApprove(dir, list, refs, concurrency, label, timeoutMs) {
  const db = path.join(dir, `${label}.db`);
  const args = [CLI, '--db', db, 'approve', '--file', list, ...(concurrency === null ? [] : ['--concurrency', String(concurrency)])];
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { env: { ...process.env, IMAGE_REVIEWER_ACTOR: 'bench' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const status = await new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${db}${suffix}`, { force: true });
  if (status !== 0 || !stderr.includes(`approved ${refs}, failed 0`)) {
    throw new Error(`approve --file (${label}) ended with ${status}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return seconds;
}

/** Best of `rounds` alternating runs of each concurrency, so a noisy moment on a shared machine does not decide the ratio. */
async function measure(dir, refs, rounds, label, left) {
  const list = path.join(dir, `${label}.txt`);
  fs.writeFileSync(list, refs.join('\n') + '\n');
  const best = { serial: Infinity, concurrent: Infinity };
  for (let round = 1; round <= rounds; round++) {
    best.serial = Math.min(best.serial, await timeApprove(dir, list, refs.length, 1, `${label}-serial`, left()));
    best.concurrent = Math.min(best.concurrent, await timeApprove(dir, list, refs.length, null, `${label}-concurrent`, left()));
    log(`${label} round ${round}: concurrency 1 ${best.serial.toFixed(2)} s, default ${best.concurrent.toFixed(2)} s (best so far)`);
  }
  return { setting: label, refs: refs.length, ...best };
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function runApproveFileBench(options) {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  if (!fs.existsSync(REGISTRY_BINARY)) {
    log(`SKIPPED: ${REGISTRY_BINARY} not installed (apt-get install -y docker-registry)`);
    return null;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-reviewer-bench-approve-'));
  let registry = null;
  let proxy = null;
  const cleanUp = () => {
    if (registry !== null && registry.child.exitCode === null) registry.child.kill('SIGKILL');
    if (proxy !== null) void proxy.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal) => {
    cleanUp();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Bounded even if something hangs where no timeout reaches (each CLI run has its own spawnSync timeout).
  const abandon = setTimeout(() => {
    log(`abandoned after ${options.timeoutS + 30} s`);
    cleanUp();
    process.exit(1);
  }, (options.timeoutS + 30) * 1000);
  abandon.unref();
  const deadline = Date.now() + options.timeoutS * 1000;
  const left = () => Math.max(1000, deadline - Date.now());
  try {
    registry = await startRegistry(dir);
    log(`registry on ${registry.host}; pushing ${options.refs} tags`);
    const refs = await pushTags(registry.host, 'bench/app', options.refs);
    const results = [await measure(dir, refs, options.rounds, 'loopback', left)];
    if (options.latencyMs > 0) {
      proxy = await startDelayProxy(registry.host, options.latencyMs);
      const viaProxy = refs.map((ref) => ref.replace(registry.host, proxy.host));
      // One round: the delayed serial run is the long one, and the delay, not noise, dominates it.
      results.push(await measure(dir, viaProxy, 1, `+${options.latencyMs} ms per request`, left));
    }
    return results;
  } finally {
    clearTimeout(abandon);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanUp();
  }
}

function formatApproveFileResults(results) {
  const rows = results.flatMap(({ setting, refs, serial, concurrent }) => {
    const row = (name, seconds) => [`${setting}, ${name}`, String(refs), seconds.toFixed(2), (refs / seconds).toFixed(0), (serial / seconds).toFixed(2)];
    return [row('--concurrency 1', serial), row('default (8)', concurrent)];
  });
  return table(['approve --file (registry)', 'refs', 'seconds', 'refs/s', 'speed-up'], rows);
}

module.exports = { runApproveFileBench, formatApproveFileResults };

if (require.main === module) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  runApproveFileBench(options).then(
    (results) => {
      if (results !== null) process.stdout.write(`${formatApproveFileResults(results)}\n`);
    },
    (err) => {
      process.stderr.write(`[approve-file] failed: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
