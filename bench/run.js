#!/usr/bin/env node
'use strict';
// `npm run bench`: the figures of SPEC §11, each measured in this run against a baseline measured in
// the same run (the machine is shared and noisy; only ratios within one run mean anything).
// Flags: see lib/parse-bench-args.js. Results: a table on stdout and bench/RESULTS.md.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Database = require('better-sqlite3');
const { CLI, runCli } = require('./lib/cli');
const { parseBenchArgs } = require('./lib/parse-bench-args');
const { prepareBenchImages } = require('./lib/prepare-bench-images');
const { SCENARIOS } = require('./lib/review-bodies');
const { loadGenerator } = require('./lib/run-load');
const { spawnServer } = require('./lib/spawn-server');
const { ensureSeededStore, copySeededStore } = require('./lib/seeded-store');
const { measureQueries, median } = require('./lib/measure-queries');
const { storeBytes } = require('./lib/store-bytes');
const { formatResults } = require('./lib/format-results');
const { runApproveFileBench, formatApproveFileResults } = require('./approve-file');

const ROOT = path.resolve(__dirname, '..');
const WORK = path.join(__dirname, '.work');
const POLICY = path.join(ROOT, 'policy/sample-policy.yaml');
const CONNECTIONS = [1, 16, 64];
/**
 * Node flags that switch serve's own heap tuning off (src/heap-tuning.ts: the operator's flags win) while keeping
 * V8's defaults: the memory figure serve would have without the tuning.
 */
const UNTUNED_FLAGS = ['--semi-space-growth-factor=2', '--heap-growing-percent=0'];

function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`);
}

function serveArgs(db, nodeFlags = []) {
  return (port) => [...nodeFlags, CLI, '--db', db, 'serve', '--policy', POLICY, '--listen', `127.0.0.1:${port}`];
}

/** Peak RSS and rates of (b), (c) and (d) at 16 and 64 connections, from a server started with `nodeFlags`. */
async function memoryVariant(db, args, nodeFlags) {
  const s = await spawnServer({ args: serveArgs(db, nodeFlags), logFile: path.join(WORK, 'reviewer-untuned.log') });
  try {
    const rps = {};
    for (const [name, scenario] of [['b', SCENARIOS.single], ['c', SCENARIOS.pod10], ['d', SCENARIOS.denied]]) {
      for (const c of [16, 64]) {
        const r = await loadGenerator(args).run({ url: `${s.url}/imagereview`, body: scenario.body, connections: c, seconds: args.seconds });
        rps[`${name}|${c}`] = r.rps;
      }
    }
    return { peakRssMb: s.peakRssMb(), rps };
  } finally {
    await s.stop();
  }
}

function freshStore(name) {
  const file = path.join(WORK, name);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  runCli(file, ['migrate']);
  prepareBenchImages(file, WORK);
  return file;
}

async function check(url, scenario) {
  const res = await fetch(`${url}${scenario.path ?? '/imagereview'}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: scenario.body });
  const json = await res.json();
  const allowed = scenario.path === '/validate' ? json.response?.allowed : json.status?.allowed;
  if (res.status !== 200 || allowed !== scenario.allowed) {
    throw new Error(`unexpected answer from ${url}: ${res.status} ${JSON.stringify(json)}`);
  }
}

/** Runs every (target, connections) cell `rounds` times, interleaved, and keeps the median round. */
async function measureCells(targets, connections, args) {
  const runs = new Map();
  const answered = new Map();
  const count = (url, r) => answered.set(url, (answered.get(url) ?? 0) + r.requests);
  for (let round = 0; round < args.rounds; round++) {
    for (const c of connections) {
      for (const t of targets) {
        // A short warm-up on the same connections count: JIT, SQLite cache, keep-alive sockets.
        const url = `${t.url}${t.path ?? '/imagereview'}`;
        count(t.url, await loadGenerator(args).run({ url, body: t.body, connections: c, seconds: 1 }));
        const r = await loadGenerator(args).run({ url, body: t.body, connections: c, seconds: args.seconds });
        count(t.url, r);
        log(`${t.name} c=${c} round ${round + 1}: ${r.rps.toFixed(0)}/s p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms non2xx ${r.non2xx} errors ${r.errors}`);
        const key = `${t.name}|${c}`;
        runs.set(key, [...(runs.get(key) ?? []), r]);
      }
    }
  }
  const cells = new Map();
  for (const [key, list] of runs) {
    const sorted = [...list].sort((a, b) => a.rps - b.rps);
    const mid = sorted[Math.floor(sorted.length / 2)];
    cells.set(key, { ...mid, non2xx: list.reduce((s, r) => s + r.non2xx, 0), errors: list.reduce((s, r) => s + r.errors, 0) });
  }
  return { cells, answered };
}

function countDecisions(file) {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) AS n FROM decisions').get().n;
  } finally {
    db.close();
  }
}

async function readyTimes(db, times) {
  const values = [];
  for (let i = 0; i < times; i++) {
    const s = await spawnServer({ args: serveArgs(db), logFile: path.join(WORK, 'ready.log') });
    values.push(s.readyMs);
    await s.stop();
  }
  return { median: median(values), max: Math.max(...values) };
}

async function httpSection(args) {
  const emptyDb = freshStore('run-empty.db');
  const baseline = await spawnServer({ args: (port) => [path.join(__dirname, 'baseline-server.js'), '--listen', `127.0.0.1:${port}`], logFile: path.join(WORK, 'baseline.log') });
  const reviewer = await spawnServer({ args: serveArgs(emptyDb), logFile: path.join(WORK, 'reviewer.log') });
  try {
    await check(baseline.url, { body: SCENARIOS.single.body, allowed: true });
    await check(baseline.url, SCENARIOS.validate);
    for (const s of Object.values(SCENARIOS)) await check(reviewer.url, s);
    const before = countDecisions(emptyDb);
    const targets = [
      { name: 'a', url: baseline.url, body: SCENARIOS.single.body },
      { name: 'b', url: reviewer.url, body: SCENARIOS.single.body },
      { name: 'c', url: reviewer.url, body: SCENARIOS.pod10.body },
      { name: 'd', url: reviewer.url, body: SCENARIOS.denied.body },
      { name: 'av', url: baseline.url, body: SCENARIOS.validate.body, path: '/validate' },
      { name: 'e', url: reviewer.url, body: SCENARIOS.validate.body, path: '/validate' },
    ];
    const { cells, answered } = await measureCells(targets, CONNECTIONS, args);
    // Every 200 the reviewer sent must be a committed decision (SPEC §6): the store must hold at least as many.
    const recorded = countDecisions(emptyDb) - before;
    return { cells, reviewerRssMb: reviewer.peakRssMb(), baselineRssMb: baseline.peakRssMb(), recorded, answered: answered.get(reviewer.url) ?? 0, emptyDb };
  } finally {
    await baseline.stop();
    await reviewer.stop();
  }
}

async function scaleSection(args, emptyDb) {
  log(`seeded store: ${args.approvals} approvals, ${args.decisions} decisions (cached under bench/.work/)`);
  const seed = ensureSeededStore(WORK, args.approvals, args.decisions);
  if (seed.seededNow) log(`seeded in ${seed.seedSeconds.toFixed(0)} s`);
  const runDb = copySeededStore(seed.file, path.join(WORK, 'run-seeded.db'));
  prepareBenchImages(runDb, WORK);
  const newest = (() => {
    const db = new Database(runDb, { readonly: true });
    try {
      return db.prepare('SELECT max(time) AS t FROM decisions').get().t;
    } finally {
      db.close();
    }
  })();
  log('store bytes per decision (dbstat)');
  const bytes = storeBytes(runDb);
  log('audit queries');
  const queries = measureQueries(runDb, newest);
  log('serve ready time on the seeded store');
  const seededReady = await readyTimes(runDb, 3);
  const empty = await spawnServer({ args: serveArgs(emptyDb), logFile: path.join(WORK, 'reviewer-empty.log') });
  const seeded = await spawnServer({ args: serveArgs(runDb), logFile: path.join(WORK, 'reviewer-seeded.log') });
  let cells;
  let seededRssMb;
  try {
    await check(seeded.url, SCENARIOS.single);
    ({ cells } = await measureCells(
      [
        { name: 'empty', url: empty.url, body: SCENARIOS.single.body },
        { name: 'seeded', url: seeded.url, body: SCENARIOS.single.body },
      ],
      [16],
      { ...args, rounds: Math.max(args.rounds, 3) },
    ));
    seededRssMb = seeded.peakRssMb();
  } finally {
    await empty.stop();
    await seeded.stop();
  }
  log('audit verify over the whole chain (real CLI)');
  const verify = runCli(runDb, ['audit', 'verify'], { allowFail: true });
  return { seed, bytes, queries, seededReady, cells, verify, seededRssMb };
}

async function main() {
  const args = parseBenchArgs(process.argv.slice(2));
  fs.mkdirSync(WORK, { recursive: true });
  const machine = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memGb: (os.totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    kernel: os.release(),
    args,
  };
  log(`http: ${args.rounds} round(s) of ${args.seconds} s per cell`);
  const http = await httpSection(args);
  log(`peak RSS without serve's heap tuning (${UNTUNED_FLAGS.join(' ')})`);
  http.untuned = await memoryVariant(http.emptyDb, args, UNTUNED_FLAGS);
  log('serve ready time on the empty store');
  const ready = await readyTimes(http.emptyDb, 5);
  const scale = args.scale ? await scaleSection(args, http.emptyDb) : null;
  log('approve --file against a real registry');
  const approve = args.registry ? await runApproveFileBench({ refs: 500, rounds: args.quick ? 1 : 2, latencyMs: 20, timeoutS: 300 }) : null;
  const { table, markdown } = formatResults({ machine, http, ready, scale, load: loadGenerator(args) });
  const approveTable = approve === null ? 'approve --file: skipped (--no-registry, or no docker-registry installed)' : formatApproveFileResults(approve);
  process.stdout.write(`${table}\n\n${approveTable}\n`);
  const approveSection =
    '\n## approve --file against a real registry (issue: resolving 500 references is bounded by the concurrency limit, not serial)\n\n' +
    '```\n' + approveTable + '\n```\n';
  fs.writeFileSync(path.resolve(ROOT, args.out), markdown + approveSection);
  log(`written ${args.out}`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
