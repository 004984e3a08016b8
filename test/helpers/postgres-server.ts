import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

// One real PostgreSQL server per jest run (Debian's `postgresql` package: initdb + pg_ctl), started by the first test
// file that asks for it and stopped by the jest globalTeardown (test/postgres-teardown.ts), also when tests fail.
// Test files that never ask cost nothing. Jest's workers share the server through a state directory made by the
// globalSetup (IMAGE_REVIEWER_TEST_PG): the first worker to create its `lock` directory starts the server and writes
// `server.json`; the others wait for that file (or for `failed.txt`, so every waiting test fails with the same reason).
// As root (CI containers) the server runs as the `postgres` user, since PostgreSQL refuses to run as root.

export const STATE_ENV = 'IMAGE_REVIEWER_TEST_PG';
const STATE_PREFIX = 'image-reviewer-pg-';
const START_WAIT_MS = 120_000;

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** A database of its own for a test: its URL carries the password, as `--db` would. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** The PostgreSQL binaries: IMAGE_REVIEWER_TEST_PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
export function postgresBinDir(): string {
  const configured = process.env.IMAGE_REVIEWER_TEST_PG_BIN;
  if (configured !== undefined) return configured;
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => path.join(base, v, 'bin')).find((bin) => fs.existsSync(path.join(bin, 'initdb')));
  if (found === undefined) {
    throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/N/bin/initdb): `apt-get install postgresql` (.ci/run does)');
  }
  return found;
}

/** Jest globalSetup: the state directory shared by this run's workers; servers left by killed runs are stopped. */
export function preparePostgresState(): void {
  stopAbandonedServers();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), STATE_PREFIX));
  // The server runs as `postgres` and must reach its data directory inside this one.
  fs.chmodSync(dir, 0o755);
  chownToPostgres(dir);
  fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  process.env[STATE_ENV] = dir;
}

/** Jest globalTeardown: stops the server if a test started one, and removes its files. */
export function stopPostgresState(): void {
  const dir = process.env[STATE_ENV];
  if (dir !== undefined) stopAndRemove(dir);
}

let shared: Promise<PostgresServer> | undefined;

/** This run's server, started on first use. */
export function testPostgres(): Promise<PostgresServer> {
  shared ??= startOrJoin();
  return shared;
}

/** A new empty database on this run's server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = await testPostgres();
  const name = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  await withAdmin(server, (client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: databaseUrl(server, name),
    drop: () => withAdmin(server, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

let fileDatabase: Promise<TestDatabase> | undefined;

/**
 * A new empty schema, in a database shared by the test file (jest loads this module afresh per file), named by the
 * URL's search_path: as good as a new database for a store, and made in milliseconds where CREATE DATABASE takes about
 * a second. Drop the file's database in afterAll with `dropFileDatabase`.
 */
export async function createTestSchema(): Promise<TestDatabase> {
  fileDatabase ??= createTestDatabase();
  const database = await fileDatabase;
  const server = await testPostgres();
  const name = `s_${randomBytes(6).toString('hex')}`;
  await withAdmin(server, (client) => client.query(`CREATE SCHEMA ${name}`), database.name);
  return {
    name,
    url: `${database.url}?options=${encodeURIComponent(`-c search_path=${name}`)}`,
    drop: () => withAdmin(server, (client) => client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`), database.name).then(() => undefined),
  };
}

/** Drops the test file's shared database (createTestSchema), if one was made. */
export async function dropFileDatabase(): Promise<void> {
  const database = fileDatabase;
  fileDatabase = undefined;
  if (database !== undefined) await (await database).drop();
}

/** `postgres://user:password@host:port/name`. */
export function databaseUrl(server: PostgresServer, name: string): string {
  return `postgres://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${name}`;
}

/** Runs `use` with a superuser connection to `database` (the `postgres` database by default). */
export async function withAdmin<T>(server: PostgresServer, use: (client: Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function startOrJoin(): Promise<PostgresServer> {
  const dir = process.env[STATE_ENV];
  if (dir === undefined) throw new Error(`${STATE_ENV} is not set: run the tests through jest (jest.config.js starts the PostgreSQL harness)`);
  const serverFile = path.join(dir, 'server.json');
  const failedFile = path.join(dir, 'failed.txt');
  try {
    fs.mkdirSync(path.join(dir, 'lock'));
  } catch {
    return waitForServer(serverFile, failedFile);
  }
  try {
    const server = await startServer(dir);
    fs.writeFileSync(serverFile, JSON.stringify(server));
    return server;
  } catch (err) {
    const message = `PostgreSQL test server did not start: ${err instanceof Error ? err.message : String(err)}`;
    fs.writeFileSync(failedFile, message);
    throw new Error(message);
  }
}

async function waitForServer(serverFile: string, failedFile: string): Promise<PostgresServer> {
  const deadline = Date.now() + START_WAIT_MS;
  while (Date.now() < deadline) {
    if (fs.existsSync(failedFile)) throw new Error(fs.readFileSync(failedFile, 'utf8'));
    if (fs.existsSync(serverFile)) return JSON.parse(fs.readFileSync(serverFile, 'utf8')) as PostgresServer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`PostgreSQL test server not started by another jest worker within ${START_WAIT_MS} ms`);
}

async function startServer(dir: string): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const data = path.join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = path.join(dir, 'pwfile');
  fs.writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  chownToPostgres(pwfile);
  runAsPostgres(path.join(bin, 'initdb'), [
    '-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=reject',
    '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync',
  ]);
  const port = await freePort();
  startCluster(dir, port);
  return { host: '127.0.0.1', port, user: 'postgres', password };
}

/** pg_ctl start of the cluster in `dir`, waiting until it accepts connections. */
function startCluster(dir: string, port: number): void {
  // No Unix socket (loopback TCP only, as a remote server is reached); fsync off: tests never lose the machine,
  // and a stopped or killed server still keeps what it committed.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c full_page_writes=off -c max_connections=200`;
  runAsPostgres(path.join(postgresBinDir(), 'pg_ctl'), ['-D', path.join(dir, 'data'), '-w', '-t', '60', '-l', path.join(dir, 'server.log'), '-o', options, 'start']);
}

/** A PostgreSQL server of a test's own, which it may stop and start again (a restart under load). */
export interface OwnPostgres {
  readonly server: PostgresServer;
  /** `pg_ctl stop -m fast`: open connections are ended, as in a restart or a failover. */
  stop(): void;
  start(): void;
  /** Stops it if running and removes its files. */
  remove(): void;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), STATE_PREFIX));
  fs.chmodSync(dir, 0o755);
  chownToPostgres(dir);
  // Removed by a later run's globalSetup if this process is killed before `remove`.
  fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  const server = await startServer(dir);
  return {
    server,
    stop: () => runAsPostgres(path.join(postgresBinDir(), 'pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'fast', '-w', 'stop']),
    start: () => startCluster(dir, server.port),
    remove: () => stopAndRemove(dir),
  };
}

function stopAndRemove(dir: string): void {
  const data = path.join(dir, 'data');
  if (fs.existsSync(path.join(data, 'postmaster.pid'))) {
    try {
      runAsPostgres(path.join(postgresBinDir(), 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch (err) {
      process.stderr.write(`could not stop the PostgreSQL test server in ${data}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** State directories of earlier runs whose jest process is gone (killed before its teardown). */
function stopAbandonedServers(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(STATE_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    const owner = Number(readOr(path.join(dir, 'owner.pid'), '0'));
    if (owner > 0 && !processAlive(owner)) stopAndRemove(dir);
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return typeof err === 'object' && err !== null && 'code' in err && err.code === 'EPERM';
  }
}

const asRoot = process.getuid?.() === 0;

function runAsPostgres(command: string, args: readonly string[]): void {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, [...args]];
  execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 });
}

function chownToPostgres(file: string): void {
  if (!asRoot) return;
  execFileSync('chown', ['postgres', file]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
