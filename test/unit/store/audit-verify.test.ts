import type Database from 'better-sqlite3';
import { canonicalDecision } from '../../../src/store/audit-hash';
import { createInlineAuditWriter } from '../../../src/store/audit-inline-committer';
import { verifyAuditChain } from '../../../src/store/audit-verify';
import { openStore } from '../../../src/store/open-database';
import { decisionRecord, deniedRecord } from '../../helpers/decision-record';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

const A = { writer: 'reviewer-a', cluster: null };
const CHAIN = 'the audit chain decisions/reviewer-a';

describe('verifyAuditChain', () => {
  let tmp: TempDir;
  let db: Database.Database;

  beforeEach(async () => {
    tmp = makeTempDir();
    db = openStore(tmp.file('store.db'), { migrate: 'apply' });
    const writer = createInlineAuditWriter(db, {}, A);
    for (let i = 0; i < 20; i++) {
      await writer.append(i % 3 === 0 ? deniedRecord({ time: 1000 + i }) : decisionRecord({ time: 1000 + i }));
    }
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('accepts an untouched chain and an empty store', () => {
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 20 });
    const empty = openStore(tmp.file('empty.db'), { migrate: 'apply' });
    try {
      expect(verifyAuditChain(empty)).toEqual({ ok: true, rows: 0 });
    } finally {
      empty.close();
    }
  });

  it.each([
    ['a decision turned from denied to allowed', 'UPDATE decisions SET allowed = 1 WHERE id = 7', 7],
    ['a decision’s latency', 'UPDATE decisions SET latency_us = 251 WHERE id = 8', 8],
    ['a stored value given another type', "UPDATE decisions SET allowed = 'no' WHERE id = 7", 7],
    ['a reason sentence', "UPDATE decisions SET reason = 'ok' WHERE id = 12", 12],
    ['an image row’s reasons', "UPDATE decision_images SET reasons = '' WHERE decision_id = 10", 10],
    ['an image row’s verdict', 'UPDATE decision_images SET allowed = 1 WHERE decision_id = 4', 4],
    ['an image row removed', 'DELETE FROM decision_images WHERE decision_id = 13', 13],
    // Decision 1 is denied (image 1); decision 2 is the first to use image 2.
    ['the interned image string', "UPDATE image_refs SET image = 'nginx' WHERE id = 2", 2],
    ['the policy hash', "UPDATE policies SET hash = 'other'", 1],
    ['a stored hash', "UPDATE decisions SET hash = zeroblob(32) WHERE id = 5", 5],
  ])('detects an edit of %s', (_what, sql, firstBadId) => {
    db.exec(sql);
    expect(verifyAuditChain(db)).toEqual({
      ok: false,
      kind: 'chain',
      rows: firstBadId - 1,
      firstBadId,
      problem: 'its hash does not match its contents (the decision, its images or its policy were edited)',
    });
  });

  it('detects a deleted middle row, naming it', () => {
    db.exec('DELETE FROM decisions WHERE id = 17');
    expect(verifyAuditChain(db)).toEqual({
      ok: false,
      kind: 'chain',
      rows: 16,
      firstBadId: 17,
      problem: `entry 17 of ${CHAIN} is missing (deleted) before decision 18`,
    });
  });

  it('detects deleted first rows', () => {
    db.exec('DELETE FROM decisions WHERE id <= 2');
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, firstBadId: 1, problem: `entries 1–2 of ${CHAIN} are missing (deleted) before decision 3` });
  });

  it('detects deleted last rows through the chain head', () => {
    db.exec('DELETE FROM decisions WHERE id >= 19');
    expect(verifyAuditChain(db)).toEqual({
      ok: false,
      kind: 'chain',
      rows: 18,
      firstBadId: 19,
      problem: `entries 19–20 of ${CHAIN} are missing (deleted) (the head of ${CHAIN} records 20 entries)`,
    });
  });

  it('detects a deleted last row, which the writer refuses to continue', async () => {
    db.exec('DELETE FROM decisions WHERE id = 20');
    await expect(createInlineAuditWriter(db, {}, A).append(decisionRecord())).rejects.toThrow(
      `the head of ${CHAIN} records 20 entries but its newest is entry 19 (decision 19)`,
    );
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, firstBadId: 20 });
  });

  it('detects a tampered or deleted chain head, and a head whose entries were all deleted', () => {
    db.exec("UPDATE audit_chains SET hash = zeroblob(32) WHERE writer = 'reviewer-a'");
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, firstBadId: 20, problem: `its hash does not match the head of ${CHAIN} (audit_chains was edited)` });
    db.exec("DELETE FROM audit_chains WHERE writer = 'reviewer-a'");
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, firstBadId: 1, problem: 'it belongs to audit chain 2, which has no head (audit_chains was edited)' });
    const fresh = openStore(tmp.file('fresh.db'), { migrate: 'apply' });
    try {
      fresh.exec("INSERT INTO audit_chains (writer, cluster, count, hash) VALUES ('reviewer-a', NULL, 3, zeroblob(32))");
      expect(verifyAuditChain(fresh)).toMatchObject({ ok: false, firstBadId: 1, problem: `entries 1–3 of ${CHAIN} are missing (deleted) (the head of ${CHAIN} records 3 entries)` });
    } finally {
      fresh.close();
    }
  });

  it('detects a decision moved to another writer’s chain, and an edited position', async () => {
    await createInlineAuditWriter(db, {}, { writer: 'reviewer-b', cluster: null }).append(decisionRecord({ time: 2000 }));
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 21 });
    db.exec("UPDATE decisions SET chain_id = (SELECT id FROM audit_chains WHERE writer = 'reviewer-b'), seq = 1 WHERE id = 20");
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, firstBadId: 20, problem: "its hash does not match its contents (the decision, its images or its policy were edited)" });
    db.exec("UPDATE decisions SET chain_id = (SELECT id FROM audit_chains WHERE writer = 'reviewer-a'), seq = 21 WHERE id = 20");
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, firstBadId: 20, problem: `entry 20 of ${CHAIN} is missing (deleted) before decision 20` });
    db.exec('UPDATE decisions SET seq = 3 WHERE id = 20');
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, firstBadId: 20, problem: `its position in ${CHAIN} was edited (entry 3 where 20 comes next)` });
  });

  // Decisions 1, 4, 7, … (time 1000 + id - 1) are denied with not-approved and scan-missing.
  describe('the indexes derived from the chain', () => {
    it.each([
      [
        'a reason row deleted (the decision would vanish from audit --reason)',
        "DELETE FROM decision_reasons WHERE decision_id = 7 AND reason = 'scan-missing'",
        7,
        "its reason 'scan-missing' is missing from decision_reasons (audit --reason would not find it)",
      ],
      [
        'a reason row moved in time (out of reach of audit --reason --since)',
        'UPDATE decision_reasons SET time = 0 WHERE decision_id = 4',
        4,
        "its reason 'not-approved' is missing from decision_reasons (audit --reason would not find it)",
      ],
      [
        'a reason row added to an allowed decision',
        "INSERT INTO decision_reasons (reason, time, decision_id) VALUES ('vulnerabilities', 1004, 5)",
        5,
        "decision_reasons holds 'vulnerabilities' for decision 5 that no decision has (15 rows where the decisions give 14)",
      ],
      [
        'a reason row for no decision at all',
        "INSERT INTO decision_reasons (reason, time, decision_id) VALUES ('not-approved', 5000, 99)",
        99,
        "decision_reasons holds 'not-approved' for decision 99 that no decision has (15 rows where the decisions give 14)",
      ],
      [
        // Issue 10 item 4: the time `audit --image --since` reads is a copy of the decision's; moving it hid the decision.
        'an image row moved back in time',
        'UPDATE decision_images SET time = 0 WHERE decision_id = 9',
        9,
        "the time of its image 0 in decision_images differs from the decision's (audit --image --since would misplace it)",
      ],
      [
        'an hourly count lowered (audit stats would under-count)',
        'UPDATE decision_counts SET n = n - 1 WHERE allowed = 0',
        1,
        'decision_counts gives 6 where the decisions give 7 for namespace "prod", enforce, allowed=0, break-glass=0, hour 1970-01-01T00:00Z (audit stats would be wrong)',
      ],
      [
        'an hourly count deleted',
        'DELETE FROM decision_counts WHERE allowed = 1',
        2,
        'decision_counts gives 0 where the decisions give 13 for namespace "prod", enforce, allowed=1, break-glass=0, hour 1970-01-01T00:00Z (audit stats would be wrong)',
      ],
      [
        'a daily count lowered (audit stats over whole days would under-count)',
        'UPDATE decision_day_counts SET n = n - 1 WHERE allowed = 0',
        1,
        'decision_day_counts gives 6 where the decisions give 7 for namespace "prod", enforce, allowed=0, break-glass=0, day 1970-01-01 (audit stats would be wrong)',
      ],
      [
        "an hour's allowed decisions charted as dry-run would-denies",
        "UPDATE decision_outcomes SET outcome = 'would-deny' WHERE outcome = 'allowed'",
        2,
        "decision_outcomes gives 0 where the decisions give 13 for allowed, hour 1970-01-01T00:00Z (the dashboard's chart would be wrong)",
      ],
      [
        'a reason count raised',
        "UPDATE decision_reason_counts SET n = n + 1 WHERE reason = 'scan-missing'",
        1,
        "decision_reason_counts gives 8 where the decisions give 7 for reason 'scan-missing', hour 1970-01-01T00:00Z (audit stats would be wrong)",
      ],
    ])('detects %s', (_what, sql, firstBadId, problem) => {
      db.exec(sql);
      expect(verifyAuditChain(db)).toEqual({ ok: false, kind: 'index', rows: 20, firstBadId, problem });
    });

    it('reports an hourly count that no decision accounts for without a decision id', () => {
      db.exec("INSERT INTO decision_counts (hour, namespace, mode, allowed, break_glass, n) VALUES (9, 'ghost', 'enforce', 1, 0, 3)");
      expect(verifyAuditChain(db)).toEqual({
        ok: false,
        kind: 'index',
        rows: 20,
        firstBadId: null,
        problem: 'decision_counts gives 3 where the decisions give 0 for namespace "ghost", enforce, allowed=1, break-glass=0, hour 1970-01-01T09:00Z (audit stats would be wrong)',
      });
    });

    it('reports a broken chain before the indexes the deletion left inconsistent', () => {
      db.exec('DELETE FROM decisions WHERE id = 20');
      expect(verifyAuditChain(db)).toMatchObject({ ok: false, kind: 'chain', firstBadId: 20 });
    });
  });

  it('hashes a fixed, type-sensitive canonical form', () => {
    const row = {
      id: 1, time: 2, namespace: 'ns', allowed: 0, mode: 'enforce', breakGlass: 0, ticket: null, reason: 'r',
      overridden: null, policyHash: 'p', user: null, groups: null, latencyUs: 3,
      images: [{ image: 'i', repository: null, digest: null, allowed: 0, reasons: 'not-approved', unchanged: 0, signature: null }],
    };
    // Rows without groups or unchanged images (every ImageReview decision, every row older than migration 0003)
    // keep the v1 form, so a store written before it still verifies.
    expect(canonicalDecision(row)).toBe(
      '["decision/v1",1,2,"ns",0,"enforce",0,null,"r",null,"p",null,3,[["i",null,null,0,"not-approved"]]]',
    );
    const admission = { ...row, user: 'alice', groups: '["dev"]', images: [{ ...row.images[0]!, allowed: 1, reasons: '', unchanged: 1 }] };
    expect(canonicalDecision(admission)).toBe(
      '["decision/v2",1,2,"ns",0,"enforce",0,null,"r",null,"p","alice",3,"[\\"dev\\"]",[["i",null,null,1,"",1]]]',
    );
    // Signature evidence (migration 0007) makes it v3, which covers the evidence text and everything v2 covers.
    const signed = { ...row, images: [{ ...row.images[0]!, signature: '{"source":"review","kind":"failed","error":"e"}' }] };
    expect(canonicalDecision(signed)).toBe(
      '["decision/v3",1,2,"ns",0,"enforce",0,null,"r",null,"p",null,3,null,[["i",null,null,0,"not-approved",0,"{\\"source\\":\\"review\\",\\"kind\\":\\"failed\\",\\"error\\":\\"e\\"}"]]]',
    );
  });
});
