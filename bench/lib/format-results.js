'use strict';
// The bench table (stdout) and bench/RESULTS.md: figures as measured, each target marked met or MISS.

const NAMES = {
  a: '(a) bare Express 5 route, reads + JSON.parse (baseline)',
  ac: '(a+) the same route on a server built as serve builds its own (not the baseline)',
  b: '(b) 1 approved+scanned image, committed',
  c: '(c) 10-container pod, committed',
  d: '(d) denied image, committed',
  av: "(a') bare Express 5 route for /validate (baseline of (e))",
  avc: "(a'+) the same /validate route on a server built as serve builds its own (not the baseline)",
  e: '(e) /validate Pod CREATE, 1 approved+scanned image, committed',
  f: '(f) 1 scanned image approved by its signature (`approves: true`, warm cache), committed',
};
/** Each row's ratio is to the baseline that parses the same body: (e) and (a'+) to (a'), the others to (a). */
const BASELINE_OF = { a: 'a', ac: 'a', b: 'a', c: 'a', d: 'a', av: 'av', avc: 'av', e: 'av', f: 'a' };

const f = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
/** null: a figure shown for comparison, with no target of its own. */
const mark = (ok) => (ok === null ? 'info' : ok ? 'met' : '**MISS**');

function httpRows(http) {
  const rows = [];
  for (const name of ['a', 'ac', 'b', 'c', 'd', 'av', 'avc', 'e', 'f']) {
    for (const c of [1, 16, 64]) {
      const cell = http.cells.get(`${name}|${c}`);
      const base = http.cells.get(`${BASELINE_OF[name]}|${c}`);
      rows.push([
        NAMES[name],
        String(c),
        f(cell.rps),
        f(cell.p50, 2),
        f(cell.p99, 2),
        f(cell.rps / base.rps, 2),
        f(cell.cpuMsPerReq * 1000),
        f(cell.cpuMsPerReq / base.cpuMsPerReq, 2),
        String(cell.non2xx + cell.errors),
      ]);
    }
  }
  return rows;
}

function mdTable(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function textTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((v, i) => v.padEnd(widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A scenario beside a server it is compared with but has no target against. */
function against(cell, other) {
  return `${f(cell.rps / other.rps, 2)}; CPU ${f(cell.cpuMsPerReq / other.cpuMsPerReq, 2)} × (${f(cell.cpuMsPerReq * 1000)} vs ${f(other.cpuMsPerReq * 1000)} µs); p99 ${f(cell.p99, 2)} vs ${f(other.p99, 2)} ms`;
}

function targets({ http, ready, scale, longRun }) {
  const b16 = http.cells.get('b|16');
  const a16 = http.cells.get('a|16');
  const e16 = http.cells.get('e|16');
  const av16 = http.cells.get('av|16');
  const f16 = http.cells.get('f|16');
  const p99Bound = Math.max(10, 1.5 * a16.p99);
  const cpuRatio = b16.cpuMsPerReq / a16.cpuMsPerReq;
  const p99BoundV = Math.max(10, 1.5 * av16.p99);
  const cpuRatioV = e16.cpuMsPerReq / av16.cpuMsPerReq;
  const t = [
    ['throughput (b)/(a) at 16 connections', '≥ 0.80', f(b16.rps / a16.rps, 2), b16.rps / a16.rps >= 0.8],
    ['p99 of (b) at 16 connections', '≤ max(10 ms, 1.5 × (a) p99)', `${f(b16.p99, 2)} ms (bound ${f(p99Bound, 2)} ms; (a): ${f(a16.p99, 2)} ms)`, b16.p99 <= p99Bound],
    ['CPU time per request of (b) at 16 connections (whole process, all threads)', '≤ 1.5 × (a)', `${f(cpuRatio, 2)} × (${f(b16.cpuMsPerReq * 1000)} vs ${f(a16.cpuMsPerReq * 1000)} µs)`, cpuRatio <= 1.5],
    ["throughput (e)/(a') at 16 connections (/validate)", '≥ 0.80', f(e16.rps / av16.rps, 2), e16.rps / av16.rps >= 0.8],
    ["p99 of (e) at 16 connections", "≤ max(10 ms, 1.5 × (a') p99)", `${f(e16.p99, 2)} ms (bound ${f(p99BoundV, 2)} ms; (a'): ${f(av16.p99, 2)} ms)`, e16.p99 <= p99BoundV],
    ["CPU time per request of (e) at 16 connections", "≤ 1.5 × (a')", `${f(cpuRatioV, 2)} × (${f(e16.cpuMsPerReq * 1000)} vs ${f(av16.cpuMsPerReq * 1000)} µs)`, cpuRatioV <= 1.5],
    // Not SPEC §11's baseline: what the review costs over an HTTP layer built as serve builds its own.
    ['(b) against (a+) at 16 connections: throughput, CPU per request, p99', 'reported', against(b16, http.cells.get('ac|16')), null],
    ["(e) against (a'+) at 16 connections: throughput, CPU per request, p99", 'reported', against(e16, http.cells.get('avc|16')), null],
    // Issue 12: reported against the same baseline, no target of its own.
    ['throughput (f)/(a) and CPU per request at 16 connections (`approves: true`, warm cache)', 'reported', `${f(f16.rps / a16.rps, 2)}; CPU ${f(f16.cpuMsPerReq / a16.cpuMsPerReq, 2)} × (${f(f16.cpuMsPerReq * 1000)} µs)`, null],
    ['every 200 answered is a committed decision', 'recorded ≥ answered', `${http.recorded} ≥ ${http.answered}`, http.recorded >= http.answered],
    ['serve ready (spawn → first 200 /readyz), empty store', '≤ 1000 ms', `median ${f(ready.median)} ms, max ${f(ready.max)} ms`, ready.max <= 1000],
    ['peak RSS (VmHWM) of the reviewer after all load, 1 to 64 connections', '≤ 256 MiB container limit, well inside', `${f(http.reviewerRssMb, 1)} MB (baseline (a): ${f(http.baselineRssMb, 1)} MB)`, http.reviewerRssMb <= 205],
  ];
  if (longRun !== null) {
    const first = longRun.points[0];
    const last = longRun.points.at(-1);
    const growth = last.rssMb - first.rssMb;
    const series = longRun.points.map((p) => `${(p.reviews / 1000).toFixed(0)}k: ${f(p.rssMb, 1)}`).join(', ');
    // Noise: V8 and the allocator move RSS by a few MB between collections; growth beyond 10 % of it is a leak's sign.
    t.push([
      `RSS (VmRSS) across a long run of (b), 16 connections (${f(longRun.minutes, 1)} min)`,
      'flat (no growth beyond noise, ≤ 10 %)',
      `${series} MB; ${growth >= 0 ? '+' : ''}${f(growth, 1)} MB from ${(first.reviews / 1000).toFixed(0)}k to ${(last.reviews / 1000).toFixed(0)}k; peak ${f(last.peakRssMb, 1)} MB`,
      growth <= 0.1 * first.rssMb,
    ]);
  }
  if (scale !== null) {
    const e = scale.cells.get('empty|16');
    const s = scale.cells.get('seeded|16');
    const ratio = s.rps / e.rps;
    t.push(['(b) seeded / empty store, 16 connections', '≥ 0.90', `${f(ratio, 2)} (${f(s.rps)} vs ${f(e.rps)}/s; p99 ${f(s.p99, 2)} vs ${f(e.p99, 2)} ms; round by round ${scale.pairs.map((p) => f(p, 2)).join(', ')})`, ratio >= 0.9]);
    t.push(['serve ready, seeded store', '≤ 1000 ms', `median ${f(scale.seededReady.median)} ms, max ${f(scale.seededReady.max)} ms`, scale.seededReady.max <= 1000]);
    if (Number.isFinite(scale.seededRssMb)) t.push(['peak RSS of the reviewer on the seeded store', '≤ 150 MB', `${f(scale.seededRssMb, 1)} MB`, scale.seededRssMb <= 150]);
    for (const q of scale.queries) {
      t.push([`audit query: ${q.name}`, '< 100 ms', `${f(q.medianMs, 1)} ms (first ${f(q.firstMs, 1)}; ${q.rows} rows; CLI wall ${f(q.cliMs)} ms)`, q.medianMs < 100]);
    }
    for (const page of scale.dashboard) {
      t.push([`dashboard page: ${page.name}`, '< 200 ms', `${f(page.medianMs, 1)} ms (first ${f(page.firstMs, 1)}; ${f(page.bytes / 1024, 1)} KiB)`, page.medianMs < 200]);
    }
    t.push(['store bytes per decision (audit tables + indexes)', '≤ 400', `${f(scale.bytes.auditPerDecision)} B (whole file ${f(scale.bytes.filePerDecision)} B)`, scale.bytes.auditPerDecision <= 400]);
    const verifyOk = scale.verify.status === 0;
    const verifyRss = scale.verify.peakRssBytes === null ? '' : `, peak RSS ${f(scale.verify.peakRssBytes / 1e6, 0)} MB`;
    t.push(['audit verify over the whole store (CLI: chain, indexes, change log)', 'passes (time, memory: no target)', `${verifyOk ? 'ok' : 'FAILED'} in ${f(scale.verify.ms / 1000, 1)} s${verifyRss}: ${scale.verify.stdout.trim() || scale.verify.stderr.trim()}`, verifyOk]);
  }
  return t.map(([what, target, measured, ok]) => [what, target, measured, mark(ok)]);
}

/** The Method line for the load generator used in the run (run-load.js \`loadGenerator\`). */
function loadMethod(load) {
  if (load.name === 'wrk') {
    return `wrk ${load.version} in its own process (\`wrk -t1\`, 1 thread, \`bench/lib/wrk-post.lua\`), keep-alive
  connections, one request in flight per connection. Latencies are wrk's own HdrHistogram percentiles at µs resolution
  (over all responses); a status above 399 counts as non-2xx, every other response as 2xx`;
  }
  return `autocannon ${load.version} (API) in the bench process, keep-alive connections, pipelining 1. Latencies are
  taken from every 2xx response at µs resolution (autocannon's own histogram rounds to whole ms)`;
}

function formatResults({ machine, http, ready, scale, longRun, nodeFlags, load }) {
  const httpHeader = ['scenario', 'conns', 'reviews/s', 'p50 ms', 'p99 ms', 'vs baseline', 'CPU µs/req', 'CPU vs baseline', 'non-2xx+errors'];
  const rows = httpRows(http);
  const targetHeader = ['figure', 'target', 'measured', 'result'];
  const targetRows = targets({ http, ready, scale, longRun });
  const table = [
    `image-reviewer bench — ${machine.date} — ${machine.cpus} × ${machine.cpu}, Node ${machine.node}`,
    '',
    textTable(httpHeader, rows),
    '',
    textTable(targetHeader, targetRows.map((r) => r.map((v) => v.replace(/\*\*/g, '')))),
  ].join('\n');
  const a = machine.args;
  const markdown = `# image-reviewer bench results

Measured by \`npm run bench\` (\`node bench/run.js${a.quick ? ' --quick' : ''}\`). Every figure comes from the run
below; ratios compare servers measured in the same run, interleaved round by round, median round kept.
Figures are as measured on a shared, noisy machine: repeat a run before trusting a small difference.

## Machine
- date: ${machine.date}
- CPU: ${machine.cpus} × ${machine.cpu}, ${machine.memGb} GB RAM, Linux ${machine.kernel}
- Node ${machine.node}
- load on the machine when the run started (1/5/15 min): ${machine.loadavg}
- run: ${a.rounds} round(s) × ${a.seconds} s per cell (plus 1 s warm-up), long run ${a.reviews > 0 ? `${a.reviews.toLocaleString('en')} reviews` : 'skipped'}, seeded store ${a.scale ? `${a.approvals.toLocaleString('en')} approvals, ${a.decisions.toLocaleString('en')} decisions` : 'skipped (--no-scale)'}

## Method
- Load: ${loadMethod(load)}.
  Servers are separate processes (\`node ${nodeFlags.join(' ')} dist/cli.js serve\`, with the Node flags the
  container image sets; \`node bench/baseline-server.js\`), their stdout to a file.
- (a) and (a') \`bench/baseline-server.js\`: \`express()\` + one route per path that reads the body itself,
  \`JSON.parse\`s it and answers \`res.json(fixed answer)\` (not \`express.json()\`, which is slower and would flatter
  the ratio). Its server is \`app.listen\`'s, Node's default.
- (a+) and (a'+): the same routes on a server built as \`serve\` builds its own (\`--server-classes\`:
  src/http/express-messages.ts, requests and responses created with the app's prototypes, so Express does not change
  them). Not the baseline of any target; shown so that the review's own cost over the same HTTP layer can be read.
- CPU time per request: user + system time of the whole server process (all threads: the audit writer's too), from
  /proc/PID/stat just before and after each measured load run, divided by the requests answered in it.
- (b)–(d): \`serve --policy policy/sample-policy.yaml\`; images approved (\`approve --offline\`) and scanned
  (\`scan import\` of a clean Trivy report) through the real CLI; each 200 means the decision was committed
  (WAL, \`synchronous=FULL\`) before the answer. After the run, decisions recorded are compared with 200s received.
- (f): a second \`serve\` on the same store under the sample policy plus a \`signatures\` entry with \`approves: true\`
  (\`bench/lib/signed-registry.js\`): the image is never approved, only scanned; the reviewer verifies its cosign
  signature (ECDSA P-256, the \`.sig\` tag) from a small loopback registry once, then from its verification cache
  (\`tagCacheSeconds: 3600\` in that policy), and records the evidence with each decision.
- Store scale: \`bench/seed-store.js\` (direct SQL, hash chain computed with \`dist/store/audit-hash.js\`), cached in
  \`bench/.work/\`, copied per run. "Last hour" is the hour before the newest seeded decision (given to the CLI as an
  ISO time), so a seed cached earlier still has a full last hour. Query times: the CLI's own query functions in
  process (median of 5, first run shown), and the real CLI's wall time including Node start-up.
- Ready: spawn of \`serve\` → first 200 from \`GET /readyz\` (polled every 5 ms); VmHWM from /proc/PID/status.

## HTTP
${mdTable(httpHeader, rows)}

## Targets (SPEC §11)
${mdTable(targetHeader, targetRows)}
${scale === null ? '' : `
## Store composition (seeded copy, dbstat)
${mdTable(['object', 'MB', 'bytes/decision'], Object.entries(scale.bytes.byObject).sort((x, y) => y[1] - x[1]).filter(([, b]) => b > 1e6).map(([n, b]) => [n, f(b / 1e6, 1), f(b / scale.bytes.decisions, 1)]))}
`}`;
  return { table, markdown };
}

module.exports = { formatResults };
