import type Database from 'better-sqlite3';
import { NotFoundError } from '../../../src/errors';
import type { ApproveInput } from '../../../src/store/approvals-repository';
import { admittedNamespaces } from '../../../src/store/sqlite/admitted-namespaces';
import { approve } from '../../../src/store/sqlite/approvals-repo';
import type { DecisionRecord } from '../../../src/store/audit-log';
import { createInlineAuditWriter } from '../../../src/store/audit-inline-committer';
import { openStore } from '../../../src/store/open-database';
import { decisionRecord } from '../../helpers/decision-record';
import { ENGINES, useEngineStore } from '../../helpers/store-engines';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

const NGINX = 'docker.io/library/nginx';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

describe.each(ENGINES)('approvals on %s', (engine) => {
  const s = useEngineStore(engine);

  const approveAt = (now: number, overrides: Partial<ApproveInput> = {}) =>
    s.store.approvals.approve({
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
  const revoke = (by: string, reason: string | null, now: number, repository = NGINX) =>
    s.store.approvals.revoke({ repository, digest: D1, by, reason, now });
  const current = async (repository: string, digest: string, now: number) =>
    (await s.store.approvals.history(repository, digest, now)).at(-1);
  const countRows = async (table: string) => Number((await s.sql(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

  describe('approve', () => {
    it('records the signature evidence with the approval and in the change log, and reads it back', async () => {
      const evidence = { signers: ['release.pub'], artifacts: [`sha256:${'9'.repeat(64)}`], verifiedAt: T0 - 1000 };
      expect((await approveAt(T0, { signature: { kind: 'verified', evidence } })).signature).toEqual({ kind: 'verified', evidence });
      expect((await approveAt(T0 + 1, { digest: D2, signature: { kind: 'unsigned-allowed', by: 'bob' } })).signature).toEqual({
        kind: 'unsigned-allowed',
        by: 'bob',
      });
      expect((await current(NGINX, D1, T0))?.signature).toEqual({ kind: 'verified', evidence });
      const [first] = await s.changes();
      expect(JSON.parse(String(first?.details))).toMatchObject({ signature: { kind: 'verified', ...evidence } });
    });

    it('refuses an unreadable signature record (a hand-edited store) as a store error', async () => {
      await approveAt(T0);
      await s.sql('UPDATE approvals SET signature = \'{"kind":"verified"}\'');
      await expect(current(NGINX, D1, T0)).rejects.toThrow(`approvals: unreadable signature record for ${NGINX}@${D1}`);
    });

    it('records the approval and its change-log row', async () => {
      const record = await approveAt(T0, { expiresAt: T0 + 24 * HOUR, imageCreatedAt: T0 - HOUR });
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
      expect(await s.changes()).toEqual([
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

    it('makes a new current row when a revoked digest is approved again, keeping the old one', async () => {
      await approveAt(T0);
      await revoke('bob', 'CVE', T0 + HOUR);
      const again = await approveAt(T0 + 2 * HOUR, { by: 'carol' });
      expect(again).toMatchObject({ id: 2, status: 'active', approvedBy: 'carol', revokedAt: null });
      expect(await current(NGINX, D1, T0 + 3 * HOUR)).toMatchObject({ id: 2, status: 'active' });
      expect(await countRows('approvals')).toBe(2);
      // Approvals are a history (SPEC §6): all keeps the revoked approval in view.
      expect((await s.store.approvals.list({ all: true, now: T0 + 3 * HOUR })).map((a) => [a.id, a.status])).toEqual([
        [1, 'revoked'],
        [2, 'active'],
      ]);
      expect((await s.store.approvals.list({ all: false, now: T0 + 3 * HOUR })).map((a) => a.id)).toEqual([2]);
    });

    // On SQLite these hand edits are made on a connection of their own: see 'hand edits on sqlite' below.
    if (engine === 'postgres') {
      it('writes nothing when the change log cannot be written (one transaction)', async () => {
        await s.sql('DROP TABLE change_log');
        await expect(approveAt(T0)).rejects.toThrow(/change_log/);
        expect(await countRows('approvals')).toBe(0);
      });

      it('is never deleted (schema trigger)', async () => {
        await approveAt(T0);
        await expect(s.sql('DELETE FROM approvals')).rejects.toThrow(/never deleted/);
      });
    }
  });

  describe('revoke', () => {
    it('records who, when and why on the current row, with a change-log row', async () => {
      await approveAt(T0);
      const record = await revoke('bob', 'CVE-2024-1', T0 + HOUR);
      expect(record).toMatchObject({ id: 1, status: 'revoked', revokedAt: T0 + HOUR, revokedBy: 'bob', revokeReason: 'CVE-2024-1' });
      expect((await s.changes()).map((c) => [c.action, c.actor, c.time, c.subject, c.details])).toEqual([
        ['approve', 'alice', T0, `${NGINX}@${D1}`, expect.any(String)],
        ['revoke', 'bob', T0 + HOUR, `${NGINX}@${D1}`, JSON.stringify({ approvalId: 1, reason: 'CVE-2024-1' })],
      ]);
    });

    it.each([
      ['never approved', async () => undefined, `no approval of ${NGINX}@${D1} to revoke`],
      [
        'already revoked',
        async () => {
          await approveAt(T0);
          await revoke('bob', null, T0);
        },
        `no unrevoked approval of ${NGINX}@${D1} to revoke`,
      ],
    ])('fails with NotFoundError when %s, changing nothing', async (_name, setup, message) => {
      await setup();
      const state = async () => ({ approvals: await s.sql('SELECT * FROM approvals ORDER BY id'), changes: await s.changes() });
      const before = await state();
      await expect(revoke('eve', null, T0 + HOUR)).rejects.toThrow(new NotFoundError(message));
      expect(await state()).toEqual(before);
    });

    it('does not revoke the same digest in another repository (approvals are per repository + digest)', async () => {
      await approveAt(T0, { repository: 'registry.corp.example/nginx' });
      await expect(revoke('bob', null, T0)).rejects.toThrow(NotFoundError);
    });
  });

  describe('list', () => {
    beforeEach(async () => {
      await approveAt(T0, { digest: D1 });
      await approveAt(T0, { digest: D2, expiresAt: T0 + HOUR });
      await approveAt(T0, { repository: 'registry.corp.example/app', digest: D1, tag: null });
      await revoke('bob', 'old', T0 + 1, 'registry.corp.example/app');
    });
    const list = (all: boolean, now: number, repositoryGlob?: string) => s.store.approvals.list({ all, now, repositoryGlob });

    it('lists only active approvals by default, with their status', async () => {
      expect((await list(false, T0 + 2 * HOUR)).map((a) => [a.repository, a.digest, a.status])).toEqual([[NGINX, D1, 'active']]);
    });

    it('includes revoked and expired ones with all', async () => {
      expect((await list(true, T0 + 2 * HOUR)).map((a) => [a.repository, a.digest, a.status])).toEqual([
        [NGINX, D1, 'active'],
        [NGINX, D2, 'expired'],
        ['registry.corp.example/app', D1, 'revoked'],
      ]);
    });

    it('treats an approval as expired from its expiry instant on', async () => {
      const status = async (now: number) => (await list(true, now)).find((a) => a.digest === D2)?.status;
      expect(await status(T0 + HOUR - 1)).toBe('active');
      expect(await status(T0 + HOUR)).toBe('expired');
    });

    it('filters repositories by glob', async () => {
      expect((await list(true, T0, 'registry.corp.example/*')).map((a) => a.repository)).toEqual(['registry.corp.example/app']);
      expect(await list(false, T0, 'docker.io/library/nginx')).toHaveLength(2);
    });

    it('shows the newest row of a repository + digest as current; all shows the earlier one as superseded', async () => {
      await approveAt(T0 + HOUR, { digest: D1, tag: '1.25.1', by: 'dave' });
      const nginx = async (all: boolean) => (await list(all, T0 + HOUR)).filter((a) => a.repository === NGINX && a.digest === D1);
      expect((await nginx(false)).map((a) => [a.id, a.tag, a.approvedBy])).toEqual([[4, '1.25.1', 'dave']]);
      expect((await nginx(true)).map((a) => [a.id, a.tag, a.status])).toEqual([
        [1, '1.25', 'superseded'],
        [4, '1.25.1', 'active'],
      ]);
    });

    it('sorts repositories by code point whatever the database collation', async () => {
      await approveAt(T0, { repository: 'docker.io/library/Zeta-upper', digest: D2 });
      await approveAt(T0, { repository: 'docker.io/library/alpha', digest: D2 });
      expect((await list(false, T0, 'docker.io/library/*')).map((a) => a.repository)).toEqual([
        'docker.io/library/Zeta-upper',
        'docker.io/library/alpha',
        NGINX,
        NGINX,
      ]);
    });
  });

  describe('history', () => {
    it('returns every approval of a repository + digest oldest first, each with its status', async () => {
      await approveAt(T0, { expiresAt: T0 + HOUR });
      await approveAt(T0 + 1, { by: 'bob' });
      await revoke('carol', 'CVE', T0 + 2);
      await approveAt(T0 + 3, { by: 'dave', tag: '1.25.1' });
      await approveAt(T0 + 4, { digest: D2 });
      await approveAt(T0 + 5, { repository: 'registry.corp.example/nginx' });
      const history = await s.store.approvals.history(NGINX, D1, T0 + 2 * HOUR);
      expect(history.map((a) => [a.id, a.approvedBy, a.tag, a.status, a.revokedBy])).toEqual([
        [1, 'alice', '1.25', 'superseded', null],
        [2, 'bob', '1.25', 'revoked', 'carol'],
        [3, 'dave', '1.25.1', 'active', null],
      ]);
      expect(await s.store.approvals.history(NGINX, `sha256:${'3'.repeat(64)}`, T0)).toEqual([]);
    });

    it('reports the current approval expired and the earlier ones superseded', async () => {
      await approveAt(T0);
      await approveAt(T0 + 1, { expiresAt: T0 + HOUR });
      expect((await s.store.approvals.history(NGINX, D1, T0 + HOUR)).map((a) => a.status)).toEqual(['superseded', 'expired']);
    });
  });

  describe('digestsTagged', () => {
    it('lists the digests of a repository ever approved under a tag, sorted, once each', async () => {
      await approveAt(T0, { digest: D2 });
      await approveAt(T0 + 1, { digest: D1 });
      await approveAt(T0 + 2, { digest: D1 });
      await approveAt(T0 + 3, { digest: D2, tag: '1.26' });
      await approveAt(T0 + 4, { repository: 'registry.corp.example/nginx', digest: `sha256:${'3'.repeat(64)}` });
      expect(await s.store.approvals.digestsTagged(NGINX, '1.25')).toEqual([D1, D2]);
      expect(await s.store.approvals.digestsTagged(NGINX, '1.26')).toEqual([D2]);
      expect(await s.store.approvals.digestsTagged(NGINX, 'latest')).toEqual([]);
    });
  });
});

describe('hand edits on sqlite', () => {
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
  const approveAt = (now: number) =>
    approve(db, { repository: NGINX, digest: D1, tag: '1.25', by: 'alice', reason: 'vetted', expiresAt: null, imageCreatedAt: null, signature: null, now });

  it('writes nothing when the change log cannot be written (one transaction)', () => {
    db.exec('DROP TABLE change_log');
    expect(() => approveAt(T0)).toThrow(/no such table: change_log/);
    expect(db.prepare('SELECT count(*) AS n FROM approvals').get()).toEqual({ n: 0 });
  });

  it('is never deleted (schema trigger)', () => {
    approveAt(T0);
    expect(() => db.prepare('DELETE FROM approvals').run()).toThrow(/never deleted/);
  });
});

describe('admittedNamespaces', () => {
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
