import type Database from 'better-sqlite3';
import { StoreError } from '../../../src/errors';
import { openDatabase, openStore } from '../../../src/store/open-database';
import { factsKey as coreFactsKey } from '../../../src/core/image-ref';
import type { FactsKey } from '../../../src/store/snapshot-reader';
import { createSnapshotReader } from '../../../src/store/sqlite/snapshot-reader';
import { DIGEST_A, DIGEST_B } from '../../helpers/decision-record';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

const REPO = 'registry.corp.example/payments/api';
const KEY = { repository: REPO, digest: DIGEST_A };

describe('createSnapshotReader', () => {
  let tmp: TempDir;
  let db: Database.Database;
  let writer: Database.Database;

  const approve = (values: { by: string; at: number; revokedAt?: number; repository?: string }): void => {
    writer
      .prepare(
        `INSERT INTO approvals (repository, digest, tag, approved_by, approved_at, revoked_at, revoked_by)
         VALUES (?, ?, '1.0', ?, ?, ?, ?)`,
      )
      .run(values.repository ?? REPO, DIGEST_A, values.by, values.at, values.revokedAt ?? null, values.revokedAt ? 'sec' : null);
  };
  const scan = (scannedAt: number, findings: readonly [string, string][], digest = DIGEST_A, importedAt = scannedAt): number => {
    const id = Number(
      writer
        .prepare(
          `INSERT INTO scans (scanner, scanned_at, scanned_at_source, imported_at, imported_by, report_sha256,
                              critical, high, medium, low, unknown)
           VALUES ('trivy', ?, 'report', ?, 'ci', 'x', 0, 0, 0, 0, 0)`,
        )
        .run(scannedAt, importedAt).lastInsertRowid,
    );
    writer.prepare('INSERT INTO scan_targets (digest, scan_id, repository) VALUES (?, ?, ?)').run(digest, id, REPO);
    const insert = writer.prepare(
      "INSERT INTO findings (scan_id, vuln_id, package, installed, fixed, severity) VALUES (?, ?, 'musl', '1.1', NULL, ?)",
    );
    for (const [vuln, severity] of findings) insert.run(id, vuln, severity);
    return id;
  };

  beforeEach(() => {
    tmp = makeTempDir();
    db = openStore(tmp.file('store.db'), { migrate: 'apply' });
    // A second connection, as the CLI (another process) would write.
    writer = openDatabase(tmp.file('store.db'));
  });
  afterEach(() => {
    writer.close();
    db.close();
    tmp.cleanup();
  });

  it('returns null facts for an unknown image, keyed by repository@digest', async () => {
    const facts = await createSnapshotReader(db).facts([KEY]);
    expect(factsKey(KEY)).toBe(`${REPO}@${DIGEST_A}`);
    expect(facts.images.get(factsKey(KEY))).toEqual({ approval: null, scan: null });
    expect(facts.exceptions).toEqual([]);
    expect(facts.grants).toEqual([]);
  });

  it('uses the newest approval row of the repository+digest, revoked or not', async () => {
    approve({ by: 'alice', at: 1000 });
    approve({ by: 'bob', at: 2000, revokedAt: 3000 });
    approve({ by: 'carol', at: 4000, repository: 'registry.corp.example/other' });
    const approval = (await createSnapshotReader(db).facts([KEY])).images.get(factsKey(KEY))?.approval;
    expect(approval).toEqual({
      repository: REPO,
      digest: DIGEST_A,
      tag: '1.0',
      approvedBy: 'bob',
      approvedAt: 2000,
      reason: null,
      expiresAt: null,
      revokedAt: 3000,
      revokedBy: 'sec',
      revokeReason: null,
      imageCreatedAt: null,
      signature: null,
    });
  });

  it('uses the scan that ran last (scanned_at), not the one imported last, with its findings', async () => {
    scan(5000, [['CVE-1', 'CRITICAL']]);
    scan(1000, []);
    scan(9000, [], DIGEST_B);
    const result = (await createSnapshotReader(db).facts([KEY])).images.get(factsKey(KEY))?.scan;
    expect(result).toEqual({
      digest: DIGEST_A,
      scanner: 'trivy',
      scannedAt: 5000,
      findings: [{ id: 'CVE-1', package: 'musl', installed: '1.1', fixed: null, severity: 'CRITICAL' }],
    });
  });

  it('dates a scan no later than its import, so a report dated in the future cannot stay the newest', async () => {
    const YEAR_2099 = Date.UTC(2099, 0, 1);
    scan(YEAR_2099, [['CVE-1', 'CRITICAL']], DIGEST_A, 3000);
    const reader = createSnapshotReader(db);
    expect((await reader.facts([KEY])).images.get(factsKey(KEY))?.scan?.scannedAt).toBe(3000);
    scan(5000, [], DIGEST_A, 6000);
    expect((await createSnapshotReader(db).facts([KEY])).images.get(factsKey(KEY))?.scan).toEqual({
      digest: DIGEST_A,
      scanner: 'trivy',
      scannedAt: 5000,
      findings: [],
    });
  });

  it('returns exceptions not removed and grants not revoked, expired ones included', async () => {
    writer.exec(`INSERT INTO cve_exceptions (vuln_id, repository, expires_at, reason, created_by, created_at, removed_at)
                 VALUES ('CVE-1', NULL, 10, 'fix pending', 'a', 1, NULL), ('CVE-2', 'x/*', 10, 'gone', 'a', 1, 5)`);
    writer.exec(`INSERT INTO break_glass_grants (namespace, ticket, expires_at, granted_by, granted_at, revoked_at)
                 VALUES ('prod', 'INC-1', 10, 'a', 1, NULL), ('dev', 'INC-2', 10, 'a', 1, 2)`);
    const facts = await createSnapshotReader(db).facts([]);
    expect(facts.exceptions).toEqual([
      { id: 1, vulnerabilityId: 'CVE-1', repository: null, expiresAt: 10, reason: 'fix pending' },
    ]);
    expect(facts.grants).toEqual([{ id: 1, namespace: 'prod', ticket: 'INC-1', expiresAt: 10, revokedAt: null }]);
  });

  it('serves repeated reviews from memory and sees a write made by another connection from the next turn on', async () => {
    const reader = createSnapshotReader(db);
    const spy = jest.spyOn(db, 'prepare');
    expect((await reader.facts([KEY])).images.get(factsKey(KEY))?.approval).toBeNull();
    approve({ by: 'alice', at: 1000 });
    // Reviews of one turn of the event loop share its generation read: the write is seen from the next turn on.
    expect((await reader.facts([KEY])).images.get(factsKey(KEY))?.approval).toBeNull();
    await nextTurn();
    expect((await reader.facts([KEY])).images.get(factsKey(KEY))?.approval?.approvedBy).toBe('alice');
    writer.prepare('UPDATE approvals SET revoked_at = 2000, revoked_by = ?').run('sec');
    await nextTurn();
    expect((await reader.facts([KEY])).images.get(factsKey(KEY))?.approval?.revokedAt).toBe(2000);
    scan(100, []);
    await nextTurn();
    expect((await reader.facts([KEY])).images.get(factsKey(KEY))?.scan?.scannedAt).toBe(100);
    // Statements are prepared once, not per review.
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('reads only the generation when nothing changed', async () => {
    approve({ by: 'alice', at: 1000 });
    const reader = createSnapshotReader(db);
    const first = (await reader.facts([KEY])).images.get(factsKey(KEY));
    // An edit that bypasses the triggers is invisible while the generation is unchanged: proof the cache served it.
    writer.exec('DROP TRIGGER approvals_upd');
    writer.exec("UPDATE approvals SET approved_by = 'mallory'");
    expect((await reader.facts([KEY])).images.get(factsKey(KEY))).toBe(first);
  });

  it('bounds the cache', async () => {
    const reader = createSnapshotReader(db, { maxCachedImages: 2 });
    const keys = ['a', 'b', 'c'].map((r) => ({ repository: r, digest: DIGEST_A }));
    const first = (await reader.facts([keys[0]!])).images.get(factsKey(keys[0]!));
    await reader.facts(keys.slice(1));
    expect((await reader.facts([keys[0]!])).images.get(factsKey(keys[0]!))).not.toBe(first);
  });

  it('check() throws a StoreError when the store cannot be read', async () => {
    const reader = createSnapshotReader(db);
    await expect(reader.check()).resolves.toBeUndefined();
    writer.exec("DELETE FROM meta WHERE key = 'facts_generation'");
    await expect(reader.check()).rejects.toThrow(StoreError);
    const empty = openDatabase(tmp.file('empty.db'));
    try {
      expect(() => createSnapshotReader(empty)).toThrow(/the store cannot be read: no such table: meta/);
    } finally {
      empty.close();
    }
  });
});

function factsKey(key: FactsKey): string {
  return coreFactsKey(key.repository, key.digest);
}

/** Lets the current turn of the event loop end (setImmediate runs after the turn's I/O callbacks). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
