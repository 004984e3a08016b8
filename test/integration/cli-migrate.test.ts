import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/run-cli';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

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
    expect(await cli('migrate')).toEqual({
      code: 0,
      stdout: 'applied 0001_initial.sql\napplied 0002_audit_rollups.sql\napplied 0003_admission_users.sql\napplied 0004_approval_signatures.sql\napplied 0005_change_log_chain.sql\napplied 0006_registry_events.sql\nstore is now at schema version 6\n',
      stderr: '',
    });
    expect(await cli('migrate')).toEqual({ code: 0, stdout: 'store is up to date (schema version 6)\n', stderr: '' });
    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual([
        { version: 1, name: '0001_initial.sql' },
        { version: 2, name: '0002_audit_rollups.sql' },
        { version: 3, name: '0003_admission_users.sql' },
        { version: 4, name: '0004_approval_signatures.sql' },
        { version: 5, name: '0005_change_log_chain.sql' },
        { version: 6, name: '0006_registry_events.sql' },
      ]);
    } finally {
      db.close();
    }
  });

  it('refuses a store newer than this image-reviewer with exit 1 and one line', async () => {
    expect((await cli('migrate')).code).toBe(0);
    const db = new Database(dbFile);
    db.prepare("INSERT INTO schema_migrations VALUES (7, '0007_future.sql', 'x', 0)").run();
    db.close();
    expect(await cli('migrate')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: store schema version 7 is newer than this image-reviewer (knows 6): upgrade image-reviewer ' +
        '(unknown migrations: 0007_future.sql)\n',
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
