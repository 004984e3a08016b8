import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { StoreError } from '../../../src/errors';
import { applyMigrations, planMigrations, refusePendingMigrations } from '../../../src/store/migrate';
import { DEFAULT_MIGRATIONS_DIR, loadMigrations } from '../../../src/store/migration-files';
import { openDatabase, openStore } from '../../../src/store/open-database';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

describe('migrations', () => {
  let tmp: TempDir;
  let dir: string;
  const open: Database.Database[] = [];

  const db = (): Database.Database => {
    const handle = openDatabase(tmp.file('store.db'));
    open.push(handle);
    return handle;
  };
  const write = (name: string, sql: string): void => fs.writeFileSync(`${dir}/${name}`, sql);
  const tables = (handle: Database.Database): string[] =>
    handle
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);

  beforeEach(() => {
    tmp = makeTempDir();
    dir = tmp.file('migrations');
    fs.mkdirSync(dir);
    write('0001_first.sql', 'CREATE TABLE one (id INTEGER PRIMARY KEY);');
    write('0002_second.sql', 'CREATE TABLE two (id INTEGER PRIMARY KEY);');
  });
  afterEach(() => {
    open.splice(0).forEach((h) => h.close());
    tmp.cleanup();
  });

  it('applies every migration of a fresh store in order and records name and checksum', () => {
    const handle = db();
    expect(applyMigrations(handle, { dir, now: () => 1234 }).map((m) => m.name)).toEqual([
      '0001_first.sql',
      '0002_second.sql',
    ]);
    expect(tables(handle)).toEqual(['one', 'schema_migrations', 'two']);
    const rows = handle.prepare('SELECT version, name, checksum, applied_at FROM schema_migrations').all();
    expect(rows).toEqual(
      loadMigrations(dir).map((m) => ({ version: m.version, name: m.name, checksum: m.checksum, applied_at: 1234 })),
    );
  });

  it('is idempotent: a second run applies nothing', () => {
    applyMigrations(db(), { dir });
    expect(applyMigrations(db(), { dir })).toEqual([]);
    expect(planMigrations(db(), dir)).toEqual({ current: 2, latest: 2, pending: [] });
  });

  it('applies only the new migration when one is added', () => {
    applyMigrations(db(), { dir });
    write('0003_third.sql', 'CREATE TABLE three (id INTEGER);');
    expect(applyMigrations(db(), { dir }).map((m) => m.name)).toEqual(['0003_third.sql']);
  });

  it('refuses a store whose applied migration was edited', () => {
    applyMigrations(db(), { dir });
    write('0001_first.sql', 'CREATE TABLE one (id INTEGER PRIMARY KEY, extra TEXT);');
    expect(() => applyMigrations(db(), { dir })).toThrow(
      new StoreError(
        "applied migration 0001_first.sql was edited (checksum differs from the store's record): " +
          'restore the original file and put changes in a new migration',
      ),
    );
  });

  it('refuses a store whose applied migration was renamed', () => {
    applyMigrations(db(), { dir });
    fs.renameSync(`${dir}/0002_second.sql`, `${dir}/0002_other.sql`);
    expect(() => applyMigrations(db(), { dir })).toThrow(
      'applied migration 0002_second.sql was renamed to 0002_other.sql: restore its name',
    );
  });

  it('refuses when an applied migration file is missing from the middle', () => {
    write('0003_third.sql', 'CREATE TABLE three (id INTEGER);');
    applyMigrations(db(), { dir });
    fs.rmSync(`${dir}/0002_second.sql`);
    expect(() => applyMigrations(db(), { dir })).toThrow(
      `migration 0002 is missing from ${dir} (found 0003_third.sql next)`,
    );
  });

  it('refuses a store newer than the code, naming both versions', () => {
    write('0003_third.sql', 'CREATE TABLE three (id INTEGER);');
    applyMigrations(db(), { dir });
    fs.rmSync(`${dir}/0003_third.sql`);
    expect(() => applyMigrations(db(), { dir })).toThrow(
      'store schema version 3 is newer than this image-reviewer (knows 2): upgrade image-reviewer ' +
        '(unknown migrations: 0003_third.sql)',
    );
  });

  it('refuses duplicated numbers and badly named files', () => {
    write('0002_again.sql', 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow(/migrations 0002_again.sql and 0002_second.sql have the same number|migrations 0002_second.sql and 0002_again.sql have the same number/);
    fs.rmSync(`${dir}/0002_again.sql`);
    write('3_third.sql', 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow(`migration file 3_third.sql in ${dir} is not named NNNN_name.sql`);
  });

  it('rolls a failing migration back entirely and keeps the ones before it', () => {
    write('0003_broken.sql', 'CREATE TABLE three (id INTEGER); INSERT INTO nowhere VALUES (1);');
    const handle = db();
    expect(() => applyMigrations(handle, { dir })).toThrow(
      'migration 0003_broken.sql failed and was rolled back: no such table: nowhere',
    );
    expect(tables(handle)).toEqual(['one', 'schema_migrations', 'two']);
    expect(planMigrations(handle, dir).current).toBe(2);
  });

  it('refuses pending migrations when asked not to migrate (serve --no-migrate)', () => {
    expect(() => refusePendingMigrations(db(), dir)).toThrow(
      'the store has pending migrations (0001_first.sql, 0002_second.sql): run `image-reviewer migrate`',
    );
    applyMigrations(db(), { dir });
    expect(() => refusePendingMigrations(db(), dir)).not.toThrow();
  });

  it('refuses to migrate a SQLite database that is not an image-reviewer store', () => {
    const handle = db();
    handle.exec('CREATE TABLE unrelated (x)');
    expect(() => applyMigrations(handle, { dir })).toThrow(
      `${tmp.file('store.db')} is a SQLite database but not an image-reviewer store (no schema_migrations)`,
    );
  });

  it("applies the package's own migrations from the default directory", () => {
    const handle = openStore(tmp.file('real.db'), { migrate: 'apply' });
    open.push(handle);
    expect(planMigrations(handle, DEFAULT_MIGRATIONS_DIR).pending).toEqual([]);
    expect(tables(handle)).toEqual(
      expect.arrayContaining(['approvals', 'scans', 'scan_targets', 'findings', 'decisions', 'audit_chains', 'meta']),
    );
  });
});
