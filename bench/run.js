#!/usr/bin/env node
'use strict';
// `npm run bench`: the figures of SPEC §11, each measured in this run against a baseline measured in
// the same run (the machine is shared and noisy; only ratios within one run mean anything).
// Flags: see lib/parse-bench-args.js. Results: a table on stdout and bench/RESULTS.md.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Database = require('better-sqlite3');
const { runCli } = require('./lib/cli');
const { parseBenchArgs } = require('./lib/parse-bench-args');
const { prepareBenchImages } = require('./lib/prepare-bench-images');
const { POLICY, WORK, baselineArgs, classedBaselineArgs, freshStore, imageNodeFlags, serveArgs } = require('./lib/servers');
const { startSignedRegistry } = require('./lib/signed-registry');
const { SCENARIOS, cleanTrivyReport } = require('./lib/review-bodies');
const { loadGenerator } = require('./lib/run-load');
const { spawnServer } = require('./lib/spawn-server');
const { cpuMs } = require('./lib/process-stats');
const { ensureSeededStore, copySeededStore } = require('./lib/seeded-store');
const { measureQueries, median } = require('./lib/measure-queries');
const { measureDashboard } = require('./lib/measure-dashboard');
const { storeBytes } = require('./lib/store-bytes');
const { formatResults } = require('./lib/format-results');
const { runApproveFileBench, formatApproveFileResults } = require('./approve-file');
const { runPostgresBench, formatPostgresResults } = require('./postgres');

const ROOT = path.resolve(__dirname, '..');
const CONNECTIONS = [1, 16, 64];
/** RSS is read after these shares of the long run's reviews (1 M by default: 100k … 1M, SPEC §11: flat). */
const RSS_CHECKPOINTS = [0.1, 0.25, 0.5, 0.75, 1];

function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`);
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
        // CPU time of the whole server process (every thread), around the measured run only.
        const cpuBefore = cpuMs(t.pid);
        const load = await loadGenerator(args).run({ url, body: t.body, connections: c, seconds: args.seconds });
        const r = { ...load, cpuMsPerReq: (cpuMs(t.pid) - cpuBefore) / Math.max(1, load.requests + load.non2xx) };
        count(t.url, r);
        log(`${t.name} c=${c} round ${round + 1}: ${r.rps.toFixed(0)}/s p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms cpu ${(r.cpuMsPerReq * 1000).toFixed(0)} µs/req non2xx ${r.non2xx} errors ${r.errors}`);
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
  return { cells, answered, rounds: runs };
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
  const baseline = await spawnServer({ args: baselineArgs, logFile: path.join(WORK, 'baseline.log') });
  const classed = await spawnServer({ args: classedBaselineArgs, logFile: path.join(WORK, 'baseline-classed.log') });
  const reviewer = await spawnServer({ args: serveArgs(emptyDb), logFile: path.join(WORK, 'reviewer.log') });
  // (f): the same store, scanned for the signed image too, served under a policy whose `signatures` entry approves.
  const registry = await startSignedRegistry(WORK, POLICY);
  const signedReport = path.join(WORK, 'bench-signed-scan.json');
  fs.writeFileSync(signedReport, cleanTrivyReport(Date.now(), [registry.image]));
  runCli(emptyDb, ['scan', 'import', signedReport]);
  const signedReviewer = await spawnServer({ args: serveArgs(emptyDb, registry.policy), logFile: path.join(WORK, 'reviewer-signed.log') });
  try {
    await check(baseline.url, { body: SCENARIOS.single.body, allowed: true });
    await check(baseline.url, SCENARIOS.validate);
    await check(classed.url, { body: SCENARIOS.single.body, allowed: true });
    await check(classed.url, SCENARIOS.validate);
    for (const s of Object.values(SCENARIOS)) await check(reviewer.url, s);
    // Warms the verification cache: the only time the registry is asked. Retried: on a loaded machine the first
    // verification can miss the review deadline (a fail-closed deny), and a failure is not cached.
    for (let attempt = 1; ; attempt++) {
      try {
        await check(signedReviewer.url, registry.scenario);
        break;
      } catch (err) {
        if (attempt === 5) throw err;
        log(`(f) warm-up: ${err.message.slice(0, 160)}; retrying`);
      }
    }
    const before = countDecisions(emptyDb);
    const targets = [
      { name: 'a', url: baseline.url, pid: baseline.pid, body: SCENARIOS.single.body },
      { name: 'ac', url: classed.url, pid: classed.pid, body: SCENARIOS.single.body },
      { name: 'b', url: reviewer.url, pid: reviewer.pid, body: SCENARIOS.single.body },
      { name: 'c', url: reviewer.url, pid: reviewer.pid, body: SCENARIOS.pod10.body },
      { name: 'd', url: reviewer.url, pid: reviewer.pid, body: SCENARIOS.denied.body },
      { name: 'av', url: baseline.url, pid: baseline.pid, body: SCENARIOS.validate.body, path: '/validate' },
      { name: 'avc', url: classed.url, pid: classed.pid, body: SCENARIOS.validate.body, path: '/validate' },
      { name: 'e', url: reviewer.url, pid: reviewer.pid, body: SCENARIOS.validate.body, path: '/validate' },
      { name: 'f', url: signedReviewer.url, pid: signedReviewer.pid, body: registry.scenario.body },
    ];
    const { cells, answered } = await measureCells(targets, CONNECTIONS, args);
    // Every 200 the reviewer sent must be a committed decision (SPEC §6): the store must hold at least as many.
    const recorded = countDecisions(emptyDb) - before;
    const answeredAll = (answered.get(reviewer.url) ?? 0) + (answered.get(signedReviewer.url) ?? 0);
    return { cells, reviewerRssMb: reviewer.peakRssMb(), baselineRssMb: baseline.peakRssMb(), recorded, answered: answeredAll, emptyDb };
  } finally {
    await baseline.stop();
    await classed.stop();
    await reviewer.stop();
    await signedReviewer.stop();
    await registry.stop();
  }
}

/**
 * A long run on a fresh store: (b) at 16 connections in 10 s slices until `args.reviews` reviews are answered, with
 * the reviewer's current RSS (VmRSS) read at each checkpoint. Flat means no growth beyond noise from the first
 * checkpoint to the last.
 */
async function longRunSection(args) {
  const db = freshStore('run-long.db');
  const reviewer = await spawnServer({ args: serveArgs(db), logFile: path.join(WORK, 'reviewer-long.log') });
  try {
    await check(reviewer.url, SCENARIOS.single);
    const checkpoints = RSS_CHECKPOINTS.map((share) => Math.round(share * args.reviews));
    const points = [];
    let reviews = 0;
    const started = Date.now();
    for (const target of checkpoints) {
      // RSS is read at the end of the slice that crosses the checkpoint: the count shown is the one reached.
      while (reviews < target) {
        const r = await loadGenerator(args).run({ url: `${reviewer.url}/imagereview`, body: SCENARIOS.single.body, connections: 16, seconds: 10 });
        if (r.non2xx + r.errors > 0) throw new Error(`long run: ${r.non2xx} non-2xx and ${r.errors} errors`);
        reviews += r.requests;
      }
      points.push({ reviews, rssMb: reviewer.rssMb(), peakRssMb: reviewer.peakRssMb() });
      log(`long run: ${reviews} reviews, RSS ${points.at(-1).rssMb.toFixed(1)} MB (peak ${points.at(-1).peakRssMb.toFixed(1)} MB)`);
    }
    return { points, minutes: (Date.now() - started) / 60_000 };
  } finally {
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
  log('dashboard pages');
  const dashboard = await measureDashboard(runDb, newest, Math.floor(args.decisions / 2));
  log('serve ready time on the seeded store');
  const seededReady = await readyTimes(runDb, 3);
  const empty = await spawnServer({ args: serveArgs(emptyDb), logFile: path.join(WORK, 'reviewer-empty.log') });
  const seeded = await spawnServer({ args: serveArgs(runDb), logFile: path.join(WORK, 'reviewer-seeded.log') });
  let cells;
  let rounds;
  let seededRssMb;
  try {
    await check(seeded.url, SCENARIOS.single);
    ({ cells, rounds } = await measureCells(
      [
        { name: 'empty', url: empty.url, pid: empty.pid, body: SCENARIOS.single.body },
        { name: 'seeded', url: seeded.url, pid: seeded.pid, body: SCENARIOS.single.body },
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
  const verify = runCli(runDb, ['audit', 'verify'], { allowFail: true, peakRss: true });
  // Each round measures the two servers back to back: their ratio per round, free of the machine's drift between rounds.
  const pairs = rounds.get('seeded|16').map((r, i) => r.rps / rounds.get('empty|16')[i].rps);
  return { seed, bytes, queries, dashboard, seededReady, cells, pairs, verify, seededRssMb };
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
    loadavg: os.loadavg().map((l) => l.toFixed(2)).join(' / '),
    args,
  };
  log(`http: ${args.rounds} round(s) of ${args.seconds} s per cell`);
  const http = await httpSection(args);
  log(`long run: RSS after ${args.reviews.toLocaleString('en')} reviews`);
  const longRun = args.reviews > 0 ? await longRunSection(args) : null;
  log('serve ready time on the empty store');
  const ready = await readyTimes(http.emptyDb, 5);
  const scale = args.scale ? await scaleSection(args, http.emptyDb) : null;
  log('approve --file against a real registry');
  const approve = args.registry ? await runApproveFileBench({ refs: 500, rounds: args.quick ? 1 : 2, latencyMs: 20, timeoutS: 300 }) : null;
  log('(g) replicas on PostgreSQL');
  const postgres = args.postgres ? await runPostgresBench(args) : null;
  const { table, markdown } = formatResults({ machine, http, ready, scale, longRun, nodeFlags: imageNodeFlags(), load: loadGenerator(args) });
  const approveTable = approve === null ? 'approve --file: skipped (--no-registry, or no docker-registry installed)' : formatApproveFileResults(approve);
  const postgresSection = args.postgres ? formatPostgresResults(postgres) : '\n## (g) Replicas on PostgreSQL\n\nSkipped (--no-postgres).\n';
  process.stdout.write(`${table}\n\n${approveTable}\n${postgresSection}`);
  const approveSection =
    '\n## approve --file against a real registry (issue: resolving 500 references is bounded by the concurrency limit, not serial)\n\n' +
    '```\n' + approveTable + '\n```\n';
  const out = path.resolve(ROOT, args.out);
  fs.writeFileSync(out, markdown + approveSection + postgresSection + handWrittenAnalysis(out));
  log(`written ${args.out}`);
}

/** The hand-written part of an existing results file (from its `# Analysis` heading on), kept below a new run's figures. */
function handWrittenAnalysis(file) {
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const at = previous.indexOf('\n# Analysis');
  return at === -1 ? '' : previous.slice(at);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
