'use strict';
// One load run against a server process, by one of two generators with the same contract:
// - wrk (when installed): a separate process (`wrk -t1`), so the bench's Node process does not compete with
//   the servers for a core; latencies from wrk's HdrHistogram (µs), printed by bench/lib/wrk-post.lua.
// - autocannon 8 (API, in this process): latencies kept at microsecond resolution; autocannon's own
//   histogram rounds to whole milliseconds, too coarse for a 1–10 ms budget, so every response time is
//   also collected from its 'response' event.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const autocannon = require('autocannon');

const WRK_SCRIPT = path.join(__dirname, 'wrk-post.lua');
const WORK = path.join(__dirname, '..', '.work');

/**
 * @typedef {{url: string, body: string, connections: number, seconds: number, expectAllowed?: boolean}} LoadOptions
 * @typedef {{rps: number, p50: number, p99: number, requests: number, non2xx: number, errors: number, timeouts: number}} LoadResult
 * rps: 2xx answers per second of the run; p50/p99: ms; requests: number of 2xx answers.
 */

/**
 * @param {LoadOptions} o
 * @returns {Promise<LoadResult>}
 */
function runAutocannon(o) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const instance = autocannon(
      {
        url: o.url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: o.body,
        connections: o.connections,
        pipelining: 1,
        duration: o.seconds,
        timeout: 10,
      },
      (err, result) => {
        if (err) return reject(err);
        latencies.sort((a, b) => a - b);
        const pick = (q) => (latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
        const ok = result['2xx'];
        resolve({
          rps: ok / result.duration,
          p50: pick(0.5),
          p99: pick(0.99),
          requests: ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

let wrkVersionCache;

/** wrk's version string (e.g. `debian/4.1.0-3+b2`), or null when `wrk` is not on PATH. `wrk --version` exits 1. */
function wrkVersion() {
  if (wrkVersionCache === undefined) {
    const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
    wrkVersionCache = r.error ? null : (/^wrk (\S+)/m.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown');
  }
  return wrkVersionCache;
}

/** Runs `wrk` with the given arguments without blocking the event loop; resolves with its stdout and stderr. */
function spawnWrk(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Maps the JSON line of wrk-post.lua to the common result. Assumption: the servers answer 2xx or an error
 * status, never 1xx/3xx, so the responses wrk did not count in errors.status (status > 399) are the 2xx ones.
 */
function wrkResult(s) {
  const ok = s.requests - s.status;
  return {
    rps: ok / (s.duration / 1e6),
    p50: s.p50 / 1000,
    p99: s.p99 / 1000,
    requests: ok,
    non2xx: s.status,
    errors: s.connect + s.read + s.write,
    timeouts: s.timeout,
  };
}

let bodyFiles = 0;

/**
 * wrk in its own process, 1 thread; the body goes through a temporary file under bench/.work/.
 * @param {LoadOptions} o
 * @returns {Promise<LoadResult>}
 */
async function runWrk(o) {
  fs.mkdirSync(WORK, { recursive: true });
  const bodyFile = path.join(WORK, `wrk-body-${process.pid}-${++bodyFiles}.json`);
  fs.writeFileSync(bodyFile, o.body);
  try {
    const argv = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '10s', '-s', WRK_SCRIPT, o.url, '--', bodyFile];
    const r = await spawnWrk(argv);
    const line = r.stdout.split('\n').find((l) => l.startsWith('{"wrkPost":'));
    if (r.code !== 0 || line === undefined) {
      throw new Error(`wrk ${argv.join(' ')} failed (exit ${r.code ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}`);
    }
    return wrkResult(JSON.parse(line));
  } finally {
    fs.rmSync(bodyFile, { force: true });
  }
}

/**
 * The generator chosen by `--load` (args.load, resolved by parse-bench-args.js).
 * @param {{load: 'wrk' | 'autocannon'}} args
 * @returns {{name: string, version: string, run: (o: LoadOptions) => Promise<LoadResult>}}
 */
function loadGenerator(args) {
  if (args.load === 'wrk') {
    const version = wrkVersion();
    if (version === null) throw new Error('--load wrk: wrk is not on PATH (apt-get install wrk)');
    return { name: 'wrk', version, run: runWrk };
  }
  return { name: 'autocannon', version: require('autocannon/package.json').version, run: runAutocannon };
}

module.exports = { loadGenerator, wrkVersion };
