'use strict';
// `npm run bench` section (g), replicas on PostgreSQL (issue 14, SPEC §11): one replica on PostgreSQL against the same
// replica on SQLite (reviews/s and CPU per review; target ≥ 0.8 ×), three replicas together (on 2 cores they share
// the CPU with PostgreSQL and the load generator), how long an approval or a revocation made through the CLI takes to
// be in force on every replica (target ≤ 1 s), and start-up time and RSS of a replica on a store of 1 M approvals.
// Alone: `node bench/postgres.js [--seconds S] [--rounds R] [--approvals N]` prints the section.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { CLI, runCli } = require('./lib/cli');
const { cpuMs, cpuOf, cpuSince } = require('./lib/process-stats');
const { startPostgres } = require('./lib/postgres-server');
const { prepareBenchImages } = require('./lib/prepare-bench-images');
const { SCENARIOS, REGISTRY, digestOf, imageReview, cleanTrivyReport } = require('./lib/review-bodies');
const { loadGenerator } = require('./lib/run-load');
const { spawnServer } = require('./lib/spawn-server');
const { median } = require('./lib/measure-queries');
const { WORK, freshStore, serveArgs } = require('./lib/servers');

const CONNECTIONS = 16;
const PROPAGATION_TRIALS = 5;

function log(msg) {
  process.stderr.write(`[bench pg] ${msg}\n`);
}

function serve(db, writer) {
  return spawnServer({
    args: (port) => [...serveArgs(db)(port), '--writer-name', writer],
    logFile: path.join(WORK, `pg-${writer}.log`),
  });
}

/** The servers' audit commits so far, summed from their /metrics: commits, decisions, seconds spent committing. */
async function commitTotals(servers) {
  const totals = { commits: 0, decisions: 0, seconds: 0 };
  for (const s of servers) {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    const value = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    totals.commits += value('image_reviewer_audit_commit_duration_seconds_count');
    totals.seconds += value('image_reviewer_audit_commit_duration_seconds_sum');
    totals.decisions += value('image_reviewer_audit_commit_decisions_sum');
  }
  return totals;
}

/**
 * One load run per server at once; reviews/s summed, CPU of the servers and of PostgreSQL per review, and the
 * servers' group commits in that run (decisions per commit, mean time of a commit).
 */
async function measureTogether(servers, pg, args) {
  const gen = loadGenerator(args);
  const body = SCENARIOS.single.body;
  await Promise.all(servers.map((s) => gen.run({ url: `${s.url}/imagereview`, body, connections: CONNECTIONS, seconds: 1 })));
  const commitsBefore = await commitTotals(servers);
  const serverCpu = servers.map((s) => cpuMs(s.pid));
  const pgBefore = pg === null ? new Map() : cpuOf(pg.pids());
  const runs = await Promise.all(servers.map((s) => gen.run({ url: `${s.url}/imagereview`, body, connections: CONNECTIONS, seconds: args.seconds })));
  const reviewerMs = servers.reduce((sum, s, i) => sum + cpuMs(s.pid) - serverCpu[i], 0);
  const pgMs = pg === null ? 0 : cpuSince(pgBefore, cpuOf(pg.pids()));
  const requests = runs.reduce((sum, r) => sum + r.requests, 0);
  const commitsAfter = await commitTotals(servers);
  const commits = commitsAfter.commits - commitsBefore.commits;
  return {
    perCommit: (commitsAfter.decisions - commitsBefore.decisions) / Math.max(1, commits),
    commitMs: ((commitsAfter.seconds - commitsBefore.seconds) * 1000) / Math.max(1, commits),
    rps: runs.reduce((sum, r) => sum + r.rps, 0),
    p99: Math.max(...runs.map((r) => r.p99)),
    reviewerUs: (reviewerMs * 1000) / Math.max(1, requests),
    postgresUs: (pgMs * 1000) / Math.max(1, requests),
    failed: runs.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
  };
}

function cliAsync(db, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--db', db, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')}: ${stderr}`))));
  });
}

async function allowed(url, image) {
  const res = await fetch(`${url}/imagereview`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: imageReview([image], 'bench-propagation') });
  const json = await res.json();
  return res.status === 200 && json.status?.allowed === true;
}

/** From the CLI's exit (its change committed) until every replica answers `want` for `image`; polled every 5 ms. */
async function propagation(db, replicas, command, image, want) {
  await cliAsync(db, command);
  const committed = process.hrtime.bigint();
  const times = await Promise.all(
    replicas.map(async (r) => {
      const deadline = Date.now() + 30_000;
      while ((await allowed(r.url, image)) !== want) {
        if (Date.now() > deadline) throw new Error(`${command[0]} ${image} not in force on ${r.url} after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return Number(process.hrtime.bigint() - committed) / 1e6;
    }),
  );
  return Math.max(...times);
}

/** 1 M approvals (and their repositories' digests) inserted in one statement, as a large store holds them. */
function seedApprovals(pg, database, n) {
  const started = Date.now();
  pg.psql(
    `INSERT INTO approvals (repository, digest, tag, approved_by, approved_at, reason)
     SELECT '${REGISTRY}/seed/app-' || (i % 1000), 'sha256:' || encode(sha256(i::text::bytea), 'hex'), 'v' || i, 'bench',
            (extract(epoch FROM now()) * 1000)::bigint - i, 'seeded'
     FROM generate_series(1, ${n}) AS i`,
    database,
  );
  pg.psql('ANALYZE approvals', database);
  return (Date.now() - started) / 1000;
}

async function runPostgresBench(args) {
  fs.mkdirSync(WORK, { recursive: true });
  const pg = await startPostgres();
  if (pg === null) return null;
  const replicas = [];
  try {
    pg.psql('CREATE DATABASE bench');
    const db = pg.url('bench');
    runCli(db, ['migrate']);
    prepareBenchImages(db, WORK);
    const sqliteDb = freshStore('pg-compare.db');

    log('one replica: SQLite, then PostgreSQL, interleaved rounds');
    const sqlite = await serve(sqliteDb, 'bench-sqlite');
    replicas.push(await serve(db, 'bench-0'));
    const rounds = { sqlite: [], postgres: [] };
    try {
      for (let round = 0; round < args.rounds; round++) {
        rounds.sqlite.push(await measureTogether([sqlite], null, args));
        rounds.postgres.push(await measureTogether([replicas[0]], pg, args));
        log(`round ${round + 1}: SQLite ${rounds.sqlite.at(-1).rps.toFixed(0)}/s, PostgreSQL ${rounds.postgres.at(-1).rps.toFixed(0)}/s`);
      }
    } finally {
      await sqlite.stop();
    }
    const mid = (list) => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)];
    const one = { sqlite: mid(rounds.sqlite), postgres: mid(rounds.postgres) };

    log('three replicas together');
    replicas.push(await serve(db, 'bench-1'), await serve(db, 'bench-2'));
    const three = await measureTogether(replicas, pg, args);

    log('propagation of an approval and a revocation to every replica');
    const images = Array.from({ length: PROPAGATION_TRIALS }, (_, i) => `${REGISTRY}/bench/propagation@${digestOf(`bench-propagation-${i}-${Date.now()}`)}`);
    const report = path.join(WORK, 'pg-propagation-scan.json');
    fs.writeFileSync(report, cleanTrivyReport(Date.now(), images));
    runCli(db, ['scan', 'import', report]);
    const approveMs = [];
    const revokeMs = [];
    for (const image of images) {
      for (const r of replicas) await allowed(r.url, image); // each replica has looked it up: the change must reach a warm cache
      approveMs.push(await propagation(db, replicas, ['approve', image, '--offline', '--by', 'bench'], image, true));
      revokeMs.push(await propagation(db, replicas, ['revoke', image, '--reason', 'bench', '--by', 'bench'], image, false));
    }
    for (const r of replicas.splice(0)) await r.stop();

    log(`a replica on ${args.approvals.toLocaleString('en')} approvals`);
    const seedSeconds = seedApprovals(pg, 'bench', args.approvals);
    const ready = [];
    let rssMb = 0;
    for (let i = 0; i < 3; i++) {
      const s = await serve(db, 'bench-large');
      ready.push(s.readyMs);
      if (i === 2) {
        // Reviews of 20,000 distinct seeded images (each a cache miss, a read-through) before RSS is read.
        for (let k = 1; k <= 20_000; k += 200) {
          await Promise.all(
            // The seeded digest of approval i is sha256 of the text of i (seedApprovals).
            Array.from({ length: 200 }, (_, j) => allowed(s.url, `${REGISTRY}/seed/app-${(k + j) % 1000}@${digestOf(String(k + j))}`)),
          );
        }
        rssMb = s.peakRssMb();
      }
      await s.stop();
    }
    return { one, three, approveMs, revokeMs, seedSeconds, readyMs: median(ready), rssMb, approvals: args.approvals, loadavg: os.loadavg() };
  } finally {
    for (const r of replicas) await r.stop();
    pg.stop();
  }
}

const f = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

function formatPostgresResults(r) {
  if (r === null) return '\n## (g) Replicas on PostgreSQL\n\nSkipped: PostgreSQL is not installed (`apt-get install postgresql`).\n';
  const ratio = r.one.postgres.rps / r.one.sqlite.rps;
  const row = (name, m) =>
    `| ${name} | ${f(m.rps)} | ${f(m.p99, 2)} | ${f(m.reviewerUs)} | ${f(m.postgresUs)} | ${f(m.reviewerUs + m.postgresUs)} | ${f(m.perCommit, 1)} | ${f(m.commitMs, 2)} | ${m.failed} |`;
  return [
    '',
    '## (g) Replicas on PostgreSQL (issue 14)',
    '',
    'A PostgreSQL server of its own (initdb in a temporary directory, fsync and synchronous_commit on, on these same 2 cores),',
    `\`serve --db postgres://…\` with the image's Node flags, (b)'s review (one approved and scanned image) at ${CONNECTIONS}`,
    "connections per replica. CPU per review: the replica processes' (all threads), and PostgreSQL's (postmaster and",
    'backends) beside it: on SQLite the store is inside the replica. Group commits from the replicas\' `/metrics`',
    '(`image_reviewer_audit_commit_*`): decisions per commit, and the mean time of one (a review waits for its commit).',
    '',
    '| store | reviews/s | p99 ms | replica CPU µs/review | PostgreSQL CPU µs/review | total CPU µs/review | decisions/commit | commit ms | non-2xx+errors |',
    '|---|---|---|---|---|---|---|---|---|',
    row('SQLite, one replica', r.one.sqlite),
    row('PostgreSQL, one replica', r.one.postgres),
    row('PostgreSQL, three replicas together (sum)', r.three),
    '',
    `- One replica on PostgreSQL against the same replica on SQLite: **${f(ratio, 2)} ×** the reviews/s (target ≥ 0.8 ×: ${ratio >= 0.8 ? 'met' : '**MISS**'}); replica CPU per review ${f(r.one.postgres.reviewerUs / r.one.sqlite.reviewerUs, 2)} ×, total CPU per review (PostgreSQL's included) ${f((r.one.postgres.reviewerUs + r.one.postgres.postgresUs) / r.one.sqlite.reviewerUs, 2)} ×.`,
    `- Three replicas share the 2 cores with PostgreSQL and the load generator, so their sum is bounded by that CPU and`,
    `  says nothing of what three machines would do; the replicas' CPU per review there (${f(r.three.reviewerUs)} µs, against ${f(r.one.postgres.reviewerUs)} µs for one alone) shows`,
    `  the cost of the sharing. What it does show is the last column: ${r.three.failed === 0 ? 'no replica failed a review' : `${r.three.failed} reviews failed`} while all three committed to one database.`,
    `- A change made through the CLI, in force on all three replicas (from the CLI's exit, polled every 5 ms; ${r.approveMs.length} trials each,`,
    `  replicas' caches warm): approve median ${f(median(r.approveMs))} ms, max ${f(Math.max(...r.approveMs))} ms; revoke median ${f(median(r.revokeMs))} ms, max ${f(Math.max(...r.revokeMs))} ms (target ≤ 1 s: ${Math.max(...r.approveMs, ...r.revokeMs) <= 1000 ? 'met' : '**MISS**'}).`,
    `- A replica on ${r.approvals.toLocaleString('en')} approvals (seeded in ${f(r.seedSeconds)} s): ready ${f(r.readyMs)} ms after spawn (median of 3), peak RSS ${f(r.rssMb, 1)} MB after 20,000 reviews of distinct images (its cache holds at most 10,000).`,
    `- Load on the machine at the end of the section: ${r.loadavg.map((l) => l.toFixed(2)).join(' / ')}.`,
    '',
  ].join('\n');
}

module.exports = { runPostgresBench, formatPostgresResults };

if (require.main === module) {
  const { parseBenchArgs } = require('./lib/parse-bench-args');
  runPostgresBench(parseBenchArgs(process.argv.slice(2)))
    .then((r) => process.stdout.write(formatPostgresResults(r)))
    .catch((err) => {
      process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
      process.exit(1);
    });
}
