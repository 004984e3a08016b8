import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { GENESIS_HASH, chainHash } from '../../../src/store/audit-hash';
import { createInlineAuditWriter } from '../../../src/store/audit-inline-committer';
import { explainDecisionQuery, queryDecisions } from '../../../src/store/audit-query';
import { verifyAuditChain } from '../../../src/store/audit-verify';
import { DEFAULT_MIGRATIONS_DIR } from '../../../src/store/migration-files';
import { openStore } from '../../../src/store/open-database';
import { DIGEST_A, decisionRecord } from '../../helpers/decision-record';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

// Migration 0003 (who asked, unchanged images): rows written before it keep verifying, rows after it have the new
// fields covered by the chain, and `audit --user` is served by its index.

const IMAGE = `registry.corp.example/payments/api@${DIGEST_A}`;

/** A decision as the code before migration 0003 wrote it: its columns, its image, its v1 hash and the audit head. */
function writePre0003Decision(db: Database.Database): void {
  const row = {
    id: 1, time: 1000, namespace: 'prod', allowed: 1, mode: 'enforce', breakGlass: 0, ticket: null, reason: '1 image approved',
    overridden: null, policyHash: 'f'.repeat(64), user: null, groups: null, latencyUs: 250,
    images: [{ image: IMAGE, repository: 'registry.corp.example/payments/api', digest: DIGEST_A, allowed: 1, reasons: '', unchanged: 0, signature: null }],
  };
  const hash = chainHash(GENESIS_HASH, row);
  db.prepare("INSERT INTO policies (id, hash, source, first_used) VALUES (1, ?, 'built-in default', 1000)").run(row.policyHash);
  db.prepare('INSERT INTO image_refs (id, image, repository, digest) VALUES (1, ?, ?, ?)').run(IMAGE, row.images[0]!.repository, DIGEST_A);
  db.prepare(`INSERT INTO decisions (id, time, namespace, allowed, mode, break_glass, ticket, reason, overridden, policy_id, user, latency_us, hash)
              VALUES (1, 1000, 'prod', 1, 'enforce', 0, NULL, ?, NULL, 1, NULL, 250, ?)`).run(row.reason, hash);
  db.prepare("INSERT INTO decision_images (decision_id, idx, image_id, allowed, reasons, time) VALUES (1, 0, 1, 1, '', 1000)").run();
  db.prepare('INSERT INTO audit_head (id, decision_id, hash) VALUES (1, 1, ?)').run(hash);
}

describe('the audit trail across migration 0003', () => {
  let tmp: TempDir;
  let db: Database.Database;

  beforeEach(async () => {
    tmp = makeTempDir();
    const old = tmp.file('migrations-0002');
    fs.mkdirSync(old);
    for (const name of ['0001_initial.sql', '0002_audit_rollups.sql']) fs.copyFileSync(path.join(DEFAULT_MIGRATIONS_DIR, name), path.join(old, name));
    const before = openStore(tmp.file('store.db'), { migrate: 'apply', migrationsDir: old });
    writePre0003Decision(before);
    before.close();
    db = openStore(tmp.file('store.db'), { migrate: 'apply' });
    const writer = createInlineAuditWriter(db);
    await writer.append(decisionRecord({
      time: 2000,
      user: 'alice@corp.example',
      groups: ['dev-team', 'system:authenticated'],
      images: [{ image: IMAGE, repository: 'registry.corp.example/payments/api', digest: DIGEST_A, allowed: true, reasons: [], unchanged: true }],
    }));
    await writer.append(decisionRecord({ time: 3000, user: 'bob', groups: [] }));
    await writer.close();
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('verifies the rows written before the migration and the rows with users, groups and unchanged images after it', () => {
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 3 });
  });

  it.each([
    ['groups added to a decision written before the migration', `UPDATE decisions SET groups = '["x"]' WHERE id = 1`, 1],
    ['a group added to who asked', `UPDATE decisions SET groups = '["dev-team","system:masters"]' WHERE id = 2`, 2],
    ['the groups of a decision removed', 'UPDATE decisions SET groups = NULL WHERE id = 3', 3],
    ['an unchanged image turned into a judged one', 'UPDATE decision_images SET unchanged = 0 WHERE decision_id = 2', 2],
    ['the user changed', "UPDATE decisions SET user = 'mallory' WHERE id = 2", 2],
  ])('detects %s', (_what, sql, firstBadId) => {
    db.exec(sql);
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, kind: 'chain', firstBadId });
  });

  it('queries by user through its index and reads groups and unchanged images back', () => {
    const [alice, ...others] = queryDecisions(db, { user: 'alice@corp.example', limit: 10 });
    expect(others).toEqual([]);
    expect(alice).toMatchObject({
      id: 2,
      user: 'alice@corp.example',
      groups: ['dev-team', 'system:authenticated'],
      images: [{ image: IMAGE, allowed: true, reasons: [], unchanged: true }],
    });
    expect(queryDecisions(db, { limit: 10 }).map((d) => [d.id, d.user, d.groups])).toEqual([
      [3, 'bob', []],
      [2, 'alice@corp.example', ['dev-team', 'system:authenticated']],
      [1, null, null],
    ]);
    expect(explainDecisionQuery(db, { user: 'bob', limit: 100 }).join('\n')).toContain('decisions_user_time');
  });
});
