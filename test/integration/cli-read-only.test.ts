import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { applyMigrations } from '../../src/store/migrate';
import { openDatabase } from '../../src/store/open-database';
import { runCli } from '../helpers/run-cli';
import { queryStore } from '../helpers/store-query';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// The commands that only query (SPEC §7) open the store read-only: a mistyped --db is an error, not a new empty
// store, and a newer CLI never migrates the store under a running server.

const DIGEST = `sha256:${'a'.repeat(64)}`;
const LATER_MIGRATIONS = fs.readdirSync(path.join('migrations', 'sqlite')).filter((f) => f.endsWith('.sql') && f !== '0001_initial.sql').sort();

const READ_ONLY_COMMANDS: readonly (readonly string[])[] = [
  ['approvals'],
  ['audit'],
  ['audit', 'stats'],
  ['audit', 'verify'],
  ['scan', 'show', `alpine@${DIGEST}`],
  ['exception', 'list'],
  ['break-glass', 'list'],
  ['explain', `alpine@${DIGEST}`],
  ['recheck', '--since', '1h'],
];

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('cli-read-only-');
});
afterEach(() => tmp.cleanup());

const cli = (db: string, ...args: string[]) => runCli(db, args);

/** A store at schema version 1, as an older image-reviewer left it. */
function olderStore(file: string): void {
  const dir = tmp.file('old-migrations');
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join('migrations', 'sqlite', '0001_initial.sql'), path.join(dir, '0001_initial.sql'));
  const db = openDatabase(file);
  try {
    applyMigrations(db, { dir });
  } finally {
    db.close();
  }
}

describe.each(READ_ONLY_COMMANDS.map((args) => [args.join(' '), args] as const))('%s', (_name, args) => {
  it('refuses a missing store with exit 1 and one line naming it, creating nothing', async () => {
    const db = tmp.file('typo.db');
    expect(await cli(db, ...args)).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: no store at ${db} (check --db or IMAGE_REVIEWER_DB; \`image-reviewer migrate\` creates one)\n`,
    });
    expect(fs.readdirSync(tmp.path)).toEqual([]);
  });

  it('refuses a store with pending migrations, saying to run migrate, and leaves it as it was', async () => {
    const db = tmp.file('old.db');
    olderStore(db);
    expect(await cli(db, ...args)).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: the store has pending migrations (${LATER_MIGRATIONS.join(', ')}): run \`image-reviewer migrate\`\n`,
    });
    expect(queryStore(db, 'SELECT version FROM schema_migrations')).toEqual([{ version: 1 }]);
  });
});

describe('a migrated store', () => {
  it('is read by every read-only command', async () => {
    const db = tmp.file('store.db');
    expect((await cli(db, 'migrate')).status).toBe(0);
    for (const args of READ_ONLY_COMMANDS) {
      const result = await cli(db, ...args);
      // `scan show` finds no scan and `explain` denies the unapproved image: exit 1 with their own message.
      expect(result.stderr).not.toMatch(/no store at|pending migrations/);
    }
    expect((await cli(db, 'approvals', '--json')).stdout).toBe('[]\n');
  });
});

describe('lazy command loading', () => {
  it('loads neither Express, prom-client nor undici for `approvals`', async () => {
    const db = tmp.file('store.db');
    expect((await cli(db, 'migrate')).status).toBe(0);
    const script = `
      const { runCli } = require('./dist/cli/main');
      const io = { stdout: process.stdout, stderr: process.stderr, env: {} };
      runCli(['--db', ${JSON.stringify(db)}, 'approvals', '--json'], io).then((code) => {
        const loaded = Object.keys(require.cache).map((k) => (k.split('node_modules/')[1] ?? '').split('/')[0]);
        process.stdout.write(JSON.stringify({ code, heavy: ['express', 'prom-client', 'undici'].filter((m) => loaded.includes(m)) }));
      });`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('[]\n{"code":0,"heavy":[]}');
  });
});
