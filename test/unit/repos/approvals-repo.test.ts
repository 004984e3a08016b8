import type Database from 'better-sqlite3';
import { NotFoundError } from '../../../src/errors';
import { admittedNamespaces } from '../../../src/store/sqlite/admitted-namespaces';
import { approve, currentApproval, listApprovals, revoke } from '../../../src/store/sqlite/approvals-repo';
import type { DecisionRecord } from '../../../src/store/audit-log';
import { createInlineAuditWriter } from '../../../src/store/audit-inline-committer';
import { listChanges } from '../../../src/store/sqlite/change-log';
import { openStore } from '../../../src/store/open-database';
import { decisionRecord } from '../../helpers/decision-record';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

const NGINX = 'docker.io/library/nginx';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

let dir: TempDir;
let db: Database.Database;

beforeEach(() => {
  dir = makeTempDir('approvals-repo-');
  db = openStore(dir.file('store.db'), { migrate: 'apply' });
});

afterEach(() => {
  db.close();
  dir.cleanup();
});

function approveAt(now: number, overrides: Partial<Parameters<typeof approve>[1]> = {}) {
  return approve(db, {
    repository: NGINX,
    digest: D1,
    tag: '1.25',
    by: 'alice',
    reason: 'vetted',
    expiresAt: null,
    imageCreatedAt: null,
    signature: null,
    ...overrides,
    now,
  });
}

function countRows(table: string): number {
  const row = db.prepare<[], { readonly n: number }>(`SELECT count(*) AS n FROM ${table}`).get();
  return row?.n ?? -1;
}

describe('approve', () => {
  it('records the signature evidence with the approval and in the change log, and reads it back', () => {
    const evidence = { signers: ['release.pub'], artifacts: [`sha256:${'9'.repeat(64)}`], verifiedAt: T0 - 1000 };
    expect(approveAt(T0, { signature: { kind: 'verified', evidence } }).signature).toEqual({ kind: 'verified', evidence });
    expect(approveAt(T0 + 1, { digest: D2, signature: { kind: 'unsigned-allowed', by: 'bob' } }).signature).toEqual({ kind: 'unsigned-allowed', by: 'bob' });
    expect(currentApproval(db, NGINX, D1, T0)?.signature).toEqual({ kind: 'verified', evidence });
    expect(JSON.parse(listChanges(db)[0]!.details ?? '{}')).toMatchObject({ signature: { kind: 'verified', ...evidence } });
  });

  it('refuses an unreadable signature record (a hand-edited store) as a store error', () => {
    approveAt(T0);
    db.prepare("UPDATE approvals SET signature = '{\"kind\":\"verified\"}'").run();
    expect(() => currentApproval(db, NGINX, D1, T0)).toThrow(`approvals: unreadable signature record for ${NGINX}@${D1}`);
  });

  it('records the approval and its change-log row', () => {
    const record = approveAt(T0, { expiresAt: T0 + 24 * HOUR, imageCreatedAt: T0 - HOUR });
    expect(record).toEqual({
      id: 1,
      repository: NGINX,
      digest: D1,
      tag: '1.25',
      approvedBy: 'alice',
      approvedAt: T0,
      reason: 'vetted',
      expiresAt: T0 + 24 * HOUR,
      revokedAt: null,
      revokedBy: null,
      revokeReason: null,
      imageCreatedAt: T0 - HOUR,
      signature: null,
      status: 'active',
    });
    expect(listChanges(db)).toEqual([
      {
        id: 1,
        time: T0,
        actor: 'alice',
        action: 'approve',
        subject: `${NGINX}@${D1}`,
        details: JSON.stringify({ approvalId: 1, tag: '1.25', reason: 'vetted', expiresAt: T0 + 24 * HOUR, imageCreatedAt: T0 - HOUR }),
      },
    ]);
  });

  it('makes a new current row when a revoked digest is approved again, keeping the old one', () => {
    approveAt(T0);
    revoke(db, { repository: NGINX, digest: D1, by: 'bob', reason: 'CVE', now: T0 + HOUR });
    const again = approveAt(T0 + 2 * HOUR, { by: 'carol' });
    expect(again).toMatchObject({ id: 2, status: 'active', approvedBy: 'carol', revokedAt: null });
    expect(currentApproval(db, NGINX, D1, T0 + 3 * HOUR)).toMatchObject({ id: 2, status: 'active' });
    expect(countRows('approvals')).toBe(2);
    // Approvals are a history (SPEC §6): --all keeps the revoked approval in view.
    expect(listApprovals(db, { all: true, now: T0 + 3 * HOUR }).map((a) => [a.id, a.status])).toEqual([[1, 'revoked'], [2, 'active']]);
    expect(listApprovals(db, { all: false, now: T0 + 3 * HOUR }).map((a) => a.id)).toEqual([2]);
  });

  it('writes nothing when the change log cannot be written (one transaction)', () => {
    db.exec('DROP TABLE change_log');
    expect(() => approveAt(T0)).toThrow(/no such table: change_log/);
    expect(countRows('approvals')).toBe(0);
  });

  it('is never deleted (schema trigger)', () => {
    approveAt(T0);
    expect(() => db.prepare('DELETE FROM approvals').run()).toThrow(/never deleted/);
  });
});

describe('revoke', () => {
  it('records who, when and why on the current row, with a change-log row', () => {
    approveAt(T0);
    const record = revoke(db, { repository: NGINX, digest: D1, by: 'bob', reason: 'CVE-2024-1', now: T0 + HOUR });
    expect(record).toMatchObject({ id: 1, status: 'revoked', revokedAt: T0 + HOUR, revokedBy: 'bob', revokeReason: 'CVE-2024-1' });
    expect(listChanges(db).map((c) => [c.action, c.actor, c.time, c.subject, c.details])).toEqual([
      ['approve', 'alice', T0, `${NGINX}@${D1}`, expect.any(String)],
      ['revoke', 'bob', T0 + HOUR, `${NGINX}@${D1}`, JSON.stringify({ approvalId: 1, reason: 'CVE-2024-1' })],
    ]);
  });

  it.each([
    ['never approved', () => undefined, `no approval of ${NGINX}@${D1} to revoke`],
    [
      'already revoked',
      () => {
        approveAt(T0);
        revoke(db, { repository: NGINX, digest: D1, by: 'bob', reason: null, now: T0 });
      },
      `no unrevoked approval of ${NGINX}@${D1} to revoke`,
    ],
  ])('fails with NotFoundError when %s, changing nothing', (_name, setup, message) => {
    setup();
    const before = { approvals: db.prepare('SELECT * FROM approvals').all(), changes: listChanges(db) };
    expect(() => revoke(db, { repository: NGINX, digest: D1, by: 'eve', reason: null, now: T0 + HOUR })).toThrow(
      new NotFoundError(message),
    );
    expect({ approvals: db.prepare('SELECT * FROM approvals').all(), changes: listChanges(db) }).toEqual(before);
  });

  it('does not revoke the same digest in another repository (approvals are per repository + digest)', () => {
    approveAt(T0, { repository: 'registry.corp.example/nginx' });
    expect(() => revoke(db, { repository: NGINX, digest: D1, by: 'bob', reason: null, now: T0 })).toThrow(NotFoundError);
  });
});

describe('listApprovals', () => {
  beforeEach(() => {
    approveAt(T0, { digest: D1 });
    approveAt(T0, { digest: D2, expiresAt: T0 + HOUR });
    approveAt(T0, { repository: 'registry.corp.example/app', digest: D1, tag: null });
    revoke(db, { repository: 'registry.corp.example/app', digest: D1, by: 'bob', reason: 'old', now: T0 + 1 });
  });

  it('lists only active approvals by default, with their status', () => {
    const listed = listApprovals(db, { all: false, now: T0 + 2 * HOUR });
    expect(listed.map((a) => [a.repository, a.digest, a.status])).toEqual([[NGINX, D1, 'active']]);
  });

  it('includes revoked and expired ones with all', () => {
    const listed = listApprovals(db, { all: true, now: T0 + 2 * HOUR });
    expect(listed.map((a) => [a.repository, a.digest, a.status])).toEqual([
      [NGINX, D1, 'active'],
      [NGINX, D2, 'expired'],
      ['registry.corp.example/app', D1, 'revoked'],
    ]);
  });

  it('treats an approval as expired from its expiry instant on', () => {
    const status = (now: number) => listApprovals(db, { all: true, now }).find((a) => a.digest === D2)?.status;
    expect(status(T0 + HOUR - 1)).toBe('active');
    expect(status(T0 + HOUR)).toBe('expired');
  });

  it('filters repositories by glob', () => {
    const listed = listApprovals(db, { repositoryGlob: 'registry.corp.example/*', all: true, now: T0 });
    expect(listed.map((a) => a.repository)).toEqual(['registry.corp.example/app']);
    expect(listApprovals(db, { repositoryGlob: 'docker.io/library/nginx', all: false, now: T0 })).toHaveLength(2);
  });

  it('shows the newest row of a repository + digest as current; --all shows the earlier one as superseded', () => {
    approveAt(T0 + HOUR, { digest: D1, tag: '1.25.1', by: 'dave' });
    const nginx = (all: boolean) => listApprovals(db, { all, now: T0 + HOUR }).filter((a) => a.repository === NGINX && a.digest === D1);
    expect(nginx(false).map((a) => [a.id, a.tag, a.approvedBy])).toEqual([[4, '1.25.1', 'dave']]);
    expect(nginx(true).map((a) => [a.id, a.tag, a.status])).toEqual([[1, '1.25', 'superseded'], [4, '1.25.1', 'active']]);
  });
});

describe('admittedNamespaces', () => {
  const admitted = (time: number, namespace: string, image: string, repository: string | null, digest: string | null, allowed = true) =>
    decisionRecord({ time, namespace, allowed, images: [{ image, repository, digest, allowed, reasons: allowed ? [] : ['not-approved'] }] });

  /** Records decisions through the server's own audit writer, so the test reads what the webhook writes. */
  async function record(...records: DecisionRecord[]): Promise<void> {
    const writer = createInlineAuditWriter(db);
    for (const r of records) await writer.append(r);
    await writer.close();
  }

  it('lists distinct namespaces admitted with the repository + digest since the given time', async () => {
    await record(
      admitted(T0, 'too-old', `nginx@${D1}`, NGINX, D1),
      admitted(T0 + HOUR, 'prod', `nginx@${D1}`, NGINX, D1),
      admitted(T0 + HOUR, 'prod', `docker.io/library/nginx:1.25@${D1}`, NGINX, D1),
      admitted(T0 + HOUR, 'denied', `nginx@${D1}`, NGINX, D1, false),
      admitted(T0 + HOUR, 'other-digest', `nginx@${D2}`, NGINX, D2),
      admitted(T0 + HOUR, 'other-repo', `corp.example/nginx@${D1}`, 'corp.example/nginx', D1),
      decisionRecord({
        time: T0 + 2 * HOUR,
        namespace: 'apps',
        images: [
          { image: 'busybox', repository: 'docker.io/library/busybox', digest: null, allowed: true, reasons: [] },
          { image: `nginx@${D1}`, repository: NGINX, digest: D1, allowed: true, reasons: [] },
        ],
      }),
    );
    expect(admittedNamespaces(db, NGINX, D1, T0 + HOUR)).toEqual(['apps', 'prod']);
  });

  it('is empty when the audit trail has no such admission', () => {
    expect(admittedNamespaces(db, NGINX, D1, 0)).toEqual([]);
  });
});
