import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { GENESIS_HASH } from '../../../src/store/audit-hash';
import { changeHash } from '../../../src/store/change-hash';
import { applyMigrations } from '../../../src/store/migrate';
import { DEFAULT_MIGRATIONS_DIR } from '../../../src/store/migration-files';
import { openStore } from '../../../src/store/open-database';
import { listChanges, recordChange } from '../../../src/store/sqlite/change-log';
import { verifyChangeLog } from '../../../src/store/sqlite/change-log-verify';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

// Migration 0005 chains the change-log entries a store already holds, as found (SPEC §6), with the same hash the
// writer and `audit verify` use; writing then continues that chain.

describe('change log chain (migration 0005)', () => {
  let tmp: TempDir;
  let db: Database.Database;

  beforeEach(() => {
    tmp = makeTempDir();
    const v4 = tmp.file('v4');
    fs.mkdirSync(v4);
    for (const name of fs.readdirSync(DEFAULT_MIGRATIONS_DIR).filter((n) => n < '0005')) {
      fs.copyFileSync(path.join(DEFAULT_MIGRATIONS_DIR, name), path.join(v4, name));
    }
    db = openStore(tmp.file('store.db'), { migrate: 'apply', migrationsDir: v4 });
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('chains the entries present before it, as found (ids may skip), and the writer continues the chain', async () => {
    // What version 4 wrote: an approval and its change-log entry; id 2 never existed (chained as found).
    db.exec(`INSERT INTO approvals (id, repository, digest, approved_by, approved_at) VALUES (1, 'docker.io/library/nginx', 'sha256:${'1'.repeat(64)}', 'alice', 1000);
      INSERT INTO change_log (id, time, actor, action, subject, details) VALUES
        (1, 1000, 'alice', 'approve', 'docker.io/library/nginx@sha256:${'1'.repeat(64)}', '{"approvalId":1,"tag":null,"reason":null,"expiresAt":null,"imageCreatedAt":null}'),
        (3, 2000, 'bob', 'revoke', 'docker.io/library/nginx@sha256:${'1'.repeat(64)}', '{"approvalId":1,"reason":null}');
      UPDATE approvals SET revoked_at = 2000, revoked_by = 'bob' WHERE id = 1;`);
    expect(applyMigrations(db).map((m) => m.name)[0]).toBe('0005_change_log_chain.sql');

    const [first, second] = listChanges(db);
    const h1 = changeHash(GENESIS_HASH, first!);
    const h3 = changeHash(h1, second!);
    expect(db.prepare('SELECT id, hash FROM change_log ORDER BY id').all()).toEqual([{ id: 1, hash: h1 }, { id: 3, hash: h3 }]);
    expect(db.prepare('SELECT change_id, hash FROM change_log_head').all()).toEqual([{ change_id: 3, hash: h3 }]);
    expect(await verifyChangeLog(db)).toEqual({ entries: 2, chain: null, state: [] });

    const id = recordChange(db, { time: 3000, actor: 'carol', action: 'exception-add', subject: 'exception:1', details: {} });
    expect(id).toBe(4);
    expect(db.prepare('SELECT change_id FROM change_log_head').pluck().get()).toBe(4);
    expect((await verifyChangeLog(db)).chain).toBeNull();
  });

  it('starts an empty log at the genesis hash', async () => {
    applyMigrations(db);
    expect(db.prepare('SELECT change_id, hash FROM change_log_head').all()).toEqual([{ change_id: 0, hash: GENESIS_HASH }]);
    expect(await verifyChangeLog(db)).toEqual({ entries: 0, chain: null, state: [] });
    expect(() => db.exec('DELETE FROM change_log')).not.toThrow();
    recordChange(db, { time: 1, actor: 'a', action: 'approve', subject: 's', details: {} });
    expect(() => db.exec('DELETE FROM change_log')).toThrow('the change log is never deleted');
    expect(() => db.exec("UPDATE change_log SET actor = 'b'")).toThrow('the change log is never rewritten');
  });
});
