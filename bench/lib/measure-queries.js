'use strict';
// Times the typical `audit` queries of SPEC §11 two ways: the same query functions the CLI calls
// (dist/store/*, in this process: the query itself) and the real CLI (node start-up included).
const path = require('node:path');
const Database = require('better-sqlite3');
const { runCli } = require('./cli');

const dist = path.resolve(__dirname, '../../dist');
const { queryDecisions } = require(path.join(dist, 'store/audit-query.js'));
const { auditStats } = require(path.join(dist, 'store/audit-stats.js'));

const HOUR = 3600 * 1000;

/**
 * @param db store file
 * @param newest epoch ms of the newest seeded decision: "last hour" is the hour before it, given to the
 *   CLI as an ISO time, so a seed cached days ago still has a "last hour" full of decisions.
 */
function auditQueries(newest) {
  const hourAgo = new Date(newest - HOUR).toISOString();
  const dayAgo = new Date(newest - 24 * HOUR).toISOString();
  return [
    {
      name: 'one namespace, last hour, 100 rows',
      cli: ['audit', '--namespace', 'team-07', '--since', hourAgo, '--limit', '100', '--json'],
      run: (db) => queryDecisions(db, { namespace: 'team-07', since: newest - HOUR, limit: 100 }).length,
    },
    {
      name: '--reason vulnerabilities (100 rows)',
      cli: ['audit', '--reason', 'vulnerabilities', '--limit', '100', '--json'],
      run: (db) => queryDecisions(db, { reason: 'vulnerabilities', limit: 100 }).length,
    },
    {
      name: '--break-glass (100 rows)',
      cli: ['audit', '--break-glass', '--limit', '100', '--json'],
      run: (db) => queryDecisions(db, { breakGlass: true, limit: 100 }).length,
    },
    {
      name: '--decision denied --namespace, last 24 h',
      cli: ['audit', '--decision', 'denied', '--namespace', 'team-07', '--since', dayAgo, '--limit', '100', '--json'],
      run: (db) => queryDecisions(db, { decision: 'denied', namespace: 'team-07', since: newest - 24 * HOUR, limit: 100 }).length,
    },
    {
      name: '--image GLOB (100 rows)',
      cli: ['audit', '--image', 'registry.corp.example/team-07/app-1*', '--limit', '100', '--json'],
      run: (db) => queryDecisions(db, { image: 'registry.corp.example/team-07/app-1*', limit: 100 }).length,
    },
    {
      name: 'audit stats --since 24h',
      cli: ['audit', 'stats', '--since', dayAgo, '--json'],
      run: (db) => auditStats(db, { since: newest - 24 * HOUR }).total,
    },
  ];
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** For each query: first (cold-ish) and median of `repeat` in-process times, rows, and the CLI's wall time. */
function measureQueries(file, newest, repeat = 5) {
  const results = [];
  for (const q of auditQueries(newest)) {
    const db = new Database(file, { readonly: true });
    const times = [];
    let rows = 0;
    for (let i = 0; i < repeat; i++) {
      const t = process.hrtime.bigint();
      rows = q.run(db);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    db.close();
    const cli = runCli(file, q.cli);
    results.push({ name: q.name, firstMs: times[0], medianMs: median(times), rows, cliMs: cli.ms });
  }
  return results;
}

module.exports = { measureQueries, median };
