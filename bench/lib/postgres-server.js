'use strict';
// A PostgreSQL server for the bench: Debian's `postgresql` (initdb + pg_ctl, as the `postgres` user when run as root),
// in a temporary directory on a free loopback port, with PostgreSQL's durable defaults (fsync and synchronous_commit
// on), since the bench compares a replica's committed decisions with SQLite's `synchronous=FULL`. Unlike the test
// harness (test/helpers/postgres-server.ts, fsync off), its figures must be what a user's server would do.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort } = require('./spawn-server');

const asRoot = process.getuid?.() === 0;

function binDir() {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((v) => path.join(base, v, 'bin')).find((bin) => fs.existsSync(path.join(bin, 'initdb'))) ?? null;
}

function asPostgres(command, args) {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, encoding: 'utf8' });
}

/** Null when PostgreSQL is not installed (the section is then skipped, saying so). */
async function startPostgres() {
  const bin = binDir();
  if (bin === null) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-reviewer-bench-pg-'));
  fs.chmodSync(dir, 0o755);
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const data = path.join(dir, 'data');
  // Trust on loopback only: the bench's server is reachable from this machine alone and lives for one run.
  asPostgres(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=100`;
  asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '60', '-l', path.join(dir, 'server.log'), '-o', options, 'start']);
  const postmaster = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const psql = (sql, database = 'postgres') => asPostgres(path.join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]);
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    psql,
    /** The postmaster and every backend: their CPU is a review's cost too. */
    pids: () => [postmaster, ...childrenOf(postmaster)],
    stop: () => {
      try {
        asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function childrenOf(parent) {
  const pids = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(name));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return pids;
}

module.exports = { startPostgres };
