import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadMigrations } from '../../src/store/migration-files';
import { runCli } from '../helpers/run-cli';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// The package's migrations (0001_initial.sql, 0002_audit_rollups.sql, …), so each new one needs no edit here.
const MIGRATIONS = loadMigrations();
const LATEST = MIGRATIONS.length;

describe('image-reviewer migrate', () => {
  let tmp: TempDir;
  let dbFile: string;
  const cli = async (...args: string[]) => {
    const r = await runCli(dbFile, args);
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeEach(() => {
    tmp = makeTempDir();
    dbFile = tmp.file('data', 'store.db');
  });
  afterEach(() => tmp.cleanup());

  it('creates and migrates a new store, then finds it up to date', async () => {
    expect(MIGRATIONS.slice(0, 2).map((m) => m.name)).toEqual(['0001_initial.sql', '0002_audit_rollups.sql']);
    expect(await cli('migrate')).toEqual({
      code: 0,
      stdout: `${MIGRATIONS.map((m) => `applied ${m.name}\n`).join('')}store is now at schema version ${LATEST}\n`,
      stderr: '',
    });
    expect(await cli('migrate')).toEqual({ code: 0, stdout: `store is up to date (schema version ${LATEST})\n`, stderr: '' });
    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    } finally {
      db.close();
    }
  });

  it('refuses a store newer than this image-reviewer with exit 1 and one line', async () => {
    expect((await cli('migrate')).code).toBe(0);
    const db = new Database(dbFile);
    db.prepare("INSERT INTO schema_migrations VALUES (?, ?, 'x', 0)").run(LATEST + 1, `${String(LATEST + 1).padStart(4, '0')}_future.sql`);
    db.close();
    expect(await cli('migrate')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `error: store schema version ${LATEST + 1} is newer than this image-reviewer (knows ${LATEST}): upgrade image-reviewer ` +
        `(unknown migrations: ${String(LATEST + 1).padStart(4, '0')}_future.sql)\n`,
    });
    // Every command that opens the store refuses it the same way.
    expect(await cli('audit')).toMatchObject({ code: 1, stdout: '' });
  });

  it('refuses a store whose applied migration differs from the file', async () => {
    expect((await cli('migrate')).code).toBe(0);
    const db = new Database(dbFile);
    db.prepare("UPDATE schema_migrations SET checksum = 'edited'").run();
    db.close();
    const r = await cli('migrate');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error: applied migration 0001_initial.sql was edited (checksum differs from the store's record): " +
        'restore the original file and put changes in a new migration\n',
    );
  });

  it('refuses a file that is not a SQLite database', async () => {
    fs.mkdirSync(path.dirname(dbFile), { recursive: true });
    fs.writeFileSync(dbFile, 'not sqlite '.repeat(100));
    expect(await cli('migrate')).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: ${dbFile} is not an image-reviewer store (not a SQLite database)\n`,
    });
  });
});
