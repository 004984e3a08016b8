import fs from 'node:fs';
import { StoreError } from '../../../src/errors';
import { openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store';
import { queryStore } from '../../helpers/store-query';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

// The three ways a store is opened (StoreMode), as `withStore` uses them.

const MIGRATIONS = fs.readdirSync('migrations/sqlite').filter((f) => f.endsWith('.sql')).sort();

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('open-sqlite-store-');
});
afterEach(() => tmp.cleanup());

describe('openSqliteStore', () => {
  it('read-write creates a missing store and applies every migration', async () => {
    const file = tmp.file('new', 'store.db');
    const store = openSqliteStore(file, 'read-write');
    await store.close();
    expect(queryStore(file, 'SELECT name FROM schema_migrations ORDER BY version')).toEqual(MIGRATIONS.map((name) => ({ name })));
  });

  it('migrate applies nothing until asked, then reports what it applied', async () => {
    const file = tmp.file('store.db');
    const store = openSqliteStore(file, 'migrate');
    try {
      expect(MIGRATIONS.length).toBeGreaterThan(1);
      expect(await store.migrate(() => 42)).toEqual({ applied: MIGRATIONS, version: MIGRATIONS.length });
      expect(await store.migrate(() => 43)).toEqual({ applied: [], version: MIGRATIONS.length });
    } finally {
      await store.close();
    }
  });

  it('read-only refuses a missing store, creating nothing', () => {
    const file = tmp.file('missing', 'store.db');
    expect(() => openSqliteStore(file, 'read-only')).toThrow(new StoreError(`no store at ${file} (check --db or IMAGE_REVIEWER_DB; \`image-reviewer migrate\` creates one)`));
    expect(fs.existsSync(tmp.file('missing'))).toBe(false);
  });

  it('read-only reads a migrated store and refuses to write or migrate it', async () => {
    const file = tmp.file('store.db');
    await openSqliteStore(file, 'read-write').close();
    const store = openSqliteStore(file, 'read-only');
    try {
      expect(await store.approvals.list({ all: true, now: 0 })).toEqual([]);
      await expect(store.migrate(() => 0)).rejects.toThrow(StoreError);
      const grant = store.grants.grant({ namespace: 'prod', ticket: 'T', expiresAt: 10, reason: null, by: 'a', now: 1 });
      // SqliteError comes from the native module's realm, so it is matched by its fields rather than its class.
      await expect(grant).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
      expect(await store.grants.list({ all: true, now: 0 })).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
