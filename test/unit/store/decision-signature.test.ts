// Migration 0007: the signature evidence of each image is recorded with the decision, covered by the hash chain
// (decision/v3), and read back by the audit query; rows without evidence keep their older forms.
import type Database from 'better-sqlite3';
import type { RecordedSignature } from '../../../src/core/types';
import { createInlineAuditWriter } from '../../../src/store/audit-inline-committer';
import { queryDecisions } from '../../../src/store/audit-query';
import { verifyAuditChain } from '../../../src/store/audit-verify';
import { decodeDecisionSignature, encodeDecisionSignature } from '../../../src/store/decision-signature';
import { openStore } from '../../../src/store/open-database';
import { DIGEST_A, decisionRecord, deniedRecord } from '../../helpers/decision-record';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

const VERIFIED: RecordedSignature = {
  source: 'review',
  kind: 'verified',
  signers: ['release.pub'],
  artifacts: [`sha256:${'c'.repeat(64)}`],
  verifiedAt: Date.parse('2026-01-15T09:59:59Z'),
};
const FAILED: RecordedSignature = { source: 'review', kind: 'failed', error: 'no signature found' };
const OVERRIDE: RecordedSignature = { source: 'approval', kind: 'unsigned-allowed', by: 'alice' };

function signed(signature: RecordedSignature, time: number) {
  const base = decisionRecord({ time });
  return { ...base, images: base.images.map((image) => ({ ...image, signature })) };
}

describe('decision signature evidence', () => {
  let tmp: TempDir;
  let db: Database.Database;

  beforeEach(async () => {
    tmp = makeTempDir();
    db = openStore(tmp.file('store.db'), { migrate: 'apply' });
    const writer = createInlineAuditWriter(db);
    await writer.append(decisionRecord({ time: 1000 }));
    await writer.append(signed(VERIFIED, 1001));
    await writer.append(signed(FAILED, 1002));
    await writer.append(signed(OVERRIDE, 1003));
    await writer.append(deniedRecord({ time: 1004 }));
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('is read back by the audit query, null for images without evidence, and the chain verifies', () => {
    const byId = new Map(queryDecisions(db, { limit: 10 }).map((d) => [d.id, d.images.map((i) => i.signature)]));
    expect(Object.fromEntries(byId)).toEqual({ 1: [null], 2: [VERIFIED], 3: [FAILED], 4: [OVERRIDE], 5: [null] });
    expect(queryDecisions(db, { limit: 1, image: `*@${DIGEST_A}` })).toHaveLength(1);
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 5 });
  });

  it.each([
    ['evidence rewritten', `UPDATE decision_images SET signature = replace(signature, 'release.pub', 'other.pub') WHERE decision_id = 2`, 2],
    ['evidence removed (the row would read as an older form)', 'UPDATE decision_images SET signature = NULL WHERE decision_id = 3', 3],
    ['evidence added to a row that had none', `UPDATE decision_images SET signature = '${encodeDecisionSignature(VERIFIED)}' WHERE decision_id = 5`, 5],
    ['evidence given another type', 'UPDATE decision_images SET signature = 7 WHERE decision_id = 4', 4],
  ])('detects %s', (_what, sql, firstBadId) => {
    db.exec(sql);
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, kind: 'chain', firstBadId });
  });

  it('reads text that is not a record (edited by hand) as no evidence, so audit still lists the decision', () => {
    expect([VERIFIED, FAILED, OVERRIDE].map((s) => decodeDecisionSignature(encodeDecisionSignature(s)))).toEqual([VERIFIED, FAILED, OVERRIDE]);
    expect(['nope', '[]', '{"source":"review","kind":"verified"}', '{"source":"approval","kind":"failed","error":"x"}'].map(decodeDecisionSignature))
      .toEqual([null, null, null, null]);
  });
});
