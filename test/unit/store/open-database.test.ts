import fs from 'node:fs';
import { StoreError } from '../../../src/errors';
import { openDatabase, openStore } from '../../../src/store/open-database';
import { loadMigrations } from '../../../src/store/migration-files';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

describe('openDatabase / openStore', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('creates the parent directory and sets WAL, synchronous=FULL, a busy timeout and foreign keys', () => {
    const db = openDatabase(tmp.file('nested', 'dir', 'store.db'));
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('says clearly when the file is not a SQLite database', () => {
    const file = tmp.file('notes.txt');
    fs.writeFileSync(file, 'this is not a database, just some text that is long enough '.repeat(20));
    expect(() => openStore(file, { migrate: 'apply' })).toThrow(
      new StoreError(`${file} is not an image-reviewer store (not a SQLite database)`),
    );
  });

  it('opens read-only without creating anything', () => {
    expect(() => openDatabase(tmp.file('absent.db'), { readonly: true })).toThrow(StoreError);
    expect(fs.existsSync(tmp.file('absent.db'))).toBe(false);
    openStore(tmp.file('store.db'), { migrate: 'apply' }).close();
    const ro = openDatabase(tmp.file('store.db'), { readonly: true });
    try {
      expect(() => ro.exec('DELETE FROM meta')).toThrow(/readonly/);
    } finally {
      ro.close();
    }
  });

  it('refuses a store with pending migrations when migrate is refuse', () => {
    // Every migration the package has, in order (0001_initial.sql, 0002_audit_rollups.sql, …).
    const all = loadMigrations().map((m) => m.name).join(', ');
    expect(all).toMatch(/^0001_initial\.sql, 0002_audit_rollups\.sql, /);
    expect(() => openStore(tmp.file('store.db'), { migrate: 'refuse' })).toThrow(
      `the store has pending migrations (${all}): run \`image-reviewer migrate\``,
    );
    openStore(tmp.file('store.db'), { migrate: 'apply' }).close();
    openStore(tmp.file('store.db'), { migrate: 'refuse' }).close();
  });
});
