'use strict';
// The PostgreSQL audit committer alone (issue 14): 16 appenders, each appending its next decision as soon as the last
// was committed, through `createAuditWriter` + `postgresAuditCommitter` (dist/), against a PostgreSQL server of its own
// with durable settings (bench/lib/postgres-server.js), on these same cores. Prints decisions/s, decisions per commit,
// and the CPU per decision of this process and of PostgreSQL. No HTTP, no decide: what a replica's commits cost.
//   node bench/pg-committer.js [--seconds S] [--sql STATEMENT]...
// Each --sql runs after `migrate`, e.g. --sql 'ALTER TABLE decisions DISABLE TRIGGER USER' to see the triggers' share.
const path = require('node:path');
const { runCli } = require('./lib/cli');
const { cpuOf, cpuSince } = require('./lib/process-stats');
const { startPostgres } = require('./lib/postgres-server');

const ROOT = path.resolve(__dirname, '..');
const { createAuditWriter } = require(path.join(ROOT, 'dist/store/audit-log'));
const { postgresAuditCommitter } = require(path.join(ROOT, 'dist/store/postgres/audit-committer'));
const { openPostgresStore } = require(path.join(ROOT, 'dist/store/postgres/open-postgres-store'));

const APPENDERS = 16;
const DIGEST = `sha256:${'a'.repeat(64)}`;

function parseArgs(argv) {
  const args = { seconds: 8, sql: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--seconds') args.seconds = Number(value);
    else if (flag === '--sql') args.sql.push(value);
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

/** (b)'s decision: one approved, scanned image, allowed. */
function record() {
  return {
    time: Date.now(), namespace: 'payments', allowed: true, mode: 'enforce', breakGlass: false, ticket: null,
    reason: '1 image approved', overridden: null, policyHash: 'f'.repeat(64), policySource: 'bench', latencyUs: 250,
    user: 'system:serviceaccount:kube-system:replicaset-controller', groups: null,
    images: [{ image: `registry.corp.example/payments/api@${DIGEST}`, repository: 'registry.corp.example/payments/api', digest: DIGEST, allowed: true, reasons: [] }],
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const pg = await startPostgres();
  if (pg === null) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  try {
    pg.psql('CREATE DATABASE committer');
    const url = pg.url('committer');
    runCli(url, ['migrate']);
    for (const sql of args.sql) pg.psql(sql, 'committer');
    const store = await openPostgresStore({ db: url, env: {} }, 'read-write', { maxConnections: 4 });
    const writer = createAuditWriter(postgresAuditCommitter(store.pool, { writer: 'bench', cluster: null }));
    let stop = false;
    let appended = 0;
    const appender = async () => {
      while (!stop) {
        await writer.append(record());
        appended += 1;
      }
    };
    const appenders = Array.from({ length: APPENDERS }, appender);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // warm-up: the chain exists, statements are prepared
    const start = { appended, commits: writer.stats().commits, pg: cpuOf(pg.pids()), self: process.cpuUsage(), at: Date.now() };
    await new Promise((resolve) => setTimeout(resolve, args.seconds * 1000));
    const decisions = appended - start.appended;
    const commits = writer.stats().commits - start.commits;
    const self = process.cpuUsage(start.self);
    const pgMs = cpuSince(start.pg, cpuOf(pg.pids()));
    const seconds = (Date.now() - start.at) / 1000;
    stop = true;
    await Promise.all(appenders);
    await writer.close();
    await store.close();
    process.stdout.write(
      `${JSON.stringify({
        decisionsPerSecond: Math.round(decisions / seconds),
        decisionsPerCommit: Number((decisions / commits).toFixed(1)),
        committerCpuUsPerDecision: Math.round((self.user + self.system) / decisions),
        postgresCpuUsPerDecision: Math.round((pgMs * 1000) / decisions),
      })}\n`,
    );
  } finally {
    pg.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
