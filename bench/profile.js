#!/usr/bin/env node
'use strict';
// `node bench/profile.js [--rounds R] [--seconds S] [--connections C]`: where (b)'s CPU goes, beside the baseline's,
// for the hand-written analysis of bench/RESULTS.md (`npm run build` first). Each round measures, one after the
// other under the same load: the baseline (a); the same route on a server built as `serve` builds its own (a+);
// `serve` as the bench starts it (the image's Node flags); `serve` without them. For each: reviews/s and p99 (wrk),
// CPU per request of the main thread and of every other thread (/proc/PID/task/*/stat around the measured run; under
// load the busiest other thread of `serve` is its audit writer), and the group commits (`/metrics`: decisions per
// commit, mean commit time).
const path = require('node:path');
const { SCENARIOS } = require('./lib/review-bodies');
const { loadGenerator } = require('./lib/run-load');
const { spawnServer } = require('./lib/spawn-server');
const { threadCpuMs } = require('./lib/process-stats');
const { WORK, baselineArgs, classedBaselineArgs, freshStore, serveArgs } = require('./lib/servers');

function parseArgs(argv) {
  const args = { rounds: 3, seconds: 6, connections: 16, load: 'wrk' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '');
    const n = Number(argv[i + 1]);
    if (!['rounds', 'seconds', 'connections'].includes(name ?? '') || !Number.isInteger(n) || n < 1) {
      throw new Error(`usage: node bench/profile.js [--rounds R] [--seconds S] [--connections C] (got ${argv.slice(i, i + 2).join(' ')})`);
    }
    args[name] = n;
  }
  return args;
}

/** The audit writer's commit counters from /metrics (absent on the baseline). */
async function commitCounters(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    commits: read('image_reviewer_audit_commit_duration_seconds_count'),
    seconds: read('image_reviewer_audit_commit_duration_seconds_sum'),
    decisions: read('image_reviewer_audit_commit_decisions_sum'),
  };
}

async function measure(server, body, args) {
  const load = loadGenerator(args);
  const url = `${server.url}/imagereview`;
  await load.run({ url, body, connections: args.connections, seconds: 1 });
  const commits0 = server.reviewer ? await commitCounters(server.url) : null;
  const cpu0 = threadCpuMs(server.pid);
  const r = await load.run({ url, body, connections: args.connections, seconds: args.seconds });
  const cpu1 = threadCpuMs(server.pid);
  const commits1 = server.reviewer ? await commitCounters(server.url) : null;
  const perReq = (ms) => (ms * 1000) / Math.max(1, r.requests);
  const threads = [...cpu1].map(([t, ms]) => [t, perReq(ms - (cpu0.get(t) ?? 0))]);
  const main = threads.find(([t]) => t === 'main')?.[1] ?? 0;
  const others = threads.filter(([t]) => t !== 'main').sort((a, b) => b[1] - a[1]);
  const commit = commits0 === null ? null : {
    perCommit: (commits1.decisions - commits0.decisions) / (commits1.commits - commits0.commits),
    ms: ((commits1.seconds - commits0.seconds) * 1000) / (commits1.commits - commits0.commits),
  };
  return { rps: r.rps, p99: r.p99, main, busiest: others[0]?.[1] ?? 0, rest: others.slice(1).reduce((s, [, v]) => s + v, 0), commit };
}

function line(name, m, base) {
  const total = m.main + m.busiest + m.rest;
  const vs = base === undefined ? '' : ` (${(m.rps / base.rps).toFixed(2)} ×, CPU ${(total / (base.main + base.busiest + base.rest)).toFixed(2)} ×)`;
  const commit = m.commit === null ? '' : `; ${m.commit.perCommit.toFixed(1)} decisions/commit, ${m.commit.ms.toFixed(2)} ms each`;
  return `${name.padEnd(22)} ${m.rps.toFixed(0).padStart(6)}/s p99 ${m.p99.toFixed(2).padStart(6)} ms | CPU µs/request: main ${m.main.toFixed(0)}, busiest other thread ${m.busiest.toFixed(0)}, the rest ${m.rest.toFixed(0)}, total ${total.toFixed(0)}${vs}${commit}`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const db = freshStore('profile.db');
  const servers = [
    { name: '(a) baseline', args: baselineArgs, reviewer: false },
    { name: "(a+) serve's server", args: classedBaselineArgs, reviewer: false },
    { name: '(b) serve, image flags', args: serveArgs(db), reviewer: true },
    { name: '(b) serve, no flags', args: serveArgs(db, undefined, []), reviewer: true },
  ];
  const started = [];
  try {
    for (const s of servers) started.push({ ...s, ...(await spawnServer({ args: s.args, logFile: path.join(WORK, `profile-${started.length}.log`) })) });
    for (let round = 1; round <= args.rounds; round++) {
      const results = [];
      for (const s of started) results.push(await measure(s, SCENARIOS.single.body, args));
      process.stdout.write(`round ${round}, ${args.connections} connections, ${args.seconds} s each:\n`);
      started.forEach((s, i) => process.stdout.write(`  ${line(s.name, results[i], i === 0 ? undefined : results[0])}\n`));
    }
  } finally {
    for (const s of started) await s.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
