import type Database from 'better-sqlite3';
import { createAuditWriter } from '../../../src/store/audit-log';
import { verifyAuditChain } from '../../../src/store/audit-verify';
import { openDatabase, openStore } from '../../../src/store/open-database';
import { decisionRecord, deniedRecord } from '../../helpers/decision-record';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

describe('createAuditWriter', () => {
  let tmp: TempDir;
  let db: Database.Database;

  const count = (table: string, handle: Database.Database = db): number =>
    handle.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? -1;

  beforeEach(() => {
    tmp = makeTempDir();
    db = openStore(tmp.file('store.db'), { migrate: 'apply' });
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('commits concurrent appends in shared transactions, with distinct sequential ids', async () => {
    const writer = createAuditWriter(db);
    const ids = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => writer.append(i % 2 === 0 ? decisionRecord() : deniedRecord())),
    );
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    // 1000 appends in one turn of the event loop: two batches of at most 512.
    expect(writer.stats()).toEqual({ appended: 1000, commits: 2, failedCommits: 0 });
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 1000 });
  });

  it('resolves only once the rows are visible to another connection (committed)', async () => {
    const writer = createAuditWriter(db);
    const id = await writer.append(deniedRecord({ namespace: 'dev', ticket: 'T-1', user: 'alice' }));
    const other = openDatabase(tmp.file('store.db'), { readonly: true });
    try {
      expect(other.prepare('SELECT id, namespace, allowed, ticket, user, latency_us FROM decisions').all()).toEqual([
        { id, namespace: 'dev', allowed: 0, ticket: 'T-1', user: 'alice', latency_us: 250 },
      ]);
      expect(other.prepare('SELECT idx, allowed, reasons FROM decision_images').all()).toEqual([
        { idx: 0, allowed: 0, reasons: 'not-approved,scan-missing' },
      ]);
      expect(other.prepare('SELECT reason, decision_id FROM decision_reasons ORDER BY reason').all()).toEqual([
        { reason: 'not-approved', decision_id: id },
        { reason: 'scan-missing', decision_id: id },
      ]);
    } finally {
      other.close();
    }
  });

  it('interns policies and image strings once', async () => {
    const writer = createAuditWriter(db);
    await Promise.all([writer.append(decisionRecord()), writer.append(decisionRecord())]);
    await writer.append(decisionRecord());
    expect(count('policies')).toBe(1);
    expect(count('image_refs')).toBe(1);
    // The same tag reference resolved to another digest is another image row (tags: resolve).
    const image = { image: 'nginx:1.25', repository: 'docker.io/library/nginx', allowed: true, reasons: [] };
    await writer.append(decisionRecord({ images: [{ ...image, digest: `sha256:${'1'.repeat(64)}` }] }));
    await writer.append(decisionRecord({ images: [{ ...image, digest: `sha256:${'2'.repeat(64)}` }] }));
    await writer.append(decisionRecord({ images: [{ ...image, digest: null }] }));
    expect(count('image_refs')).toBe(4);
  });

  it('rejects the whole batch when the transaction fails, writes nothing of it, and recovers', async () => {
    const writer = createAuditWriter(db);
    await writer.append(decisionRecord());
    db.exec("CREATE TRIGGER fail BEFORE INSERT ON decisions WHEN NEW.namespace = 'boom' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    const batch = [writer.append(decisionRecord()), writer.append(decisionRecord({ namespace: 'boom' }))];
    await expect(batch[0]).rejects.toThrow('audit write failed: disk on fire');
    await expect(batch[1]).rejects.toThrow('audit write failed: disk on fire');
    expect(count('decisions')).toBe(1);
    expect(count('decision_images')).toBe(1);
    db.exec('DROP TRIGGER fail');
    expect(await writer.append(decisionRecord())).toBe(2);
    expect(writer.stats()).toEqual({ appended: 2, commits: 2, failedCommits: 1 });
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 2 });
  });

  it('refuses a malformed record alone, without failing the others', async () => {
    const writer = createAuditWriter(db);
    const good = writer.append(decisionRecord());
    const bad = writer.append(decisionRecord({ time: Number.NaN }));
    await expect(bad).rejects.toThrow('audit record refused: invalid time NaN');
    expect(await good).toBe(1);
  });

  it('stores text that SQLite cannot hold as UTF-8 so that the chain still verifies', async () => {
    const writer = createAuditWriter(db);
    await writer.append(decisionRecord({ namespace: 'ns\ud800', reason: 'nul\u0000byte' }));
    expect(db.prepare('SELECT namespace, reason FROM decisions').get()).toEqual({
      namespace: 'ns\ufffd',
      reason: 'nul\u0000byte',
    });
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 1 });
  });

  it('flush waits for pending appends; close refuses new ones', async () => {
    const writer = createAuditWriter(db);
    void writer.append(decisionRecord());
    void writer.append(decisionRecord());
    await writer.flush();
    expect(count('decisions')).toBe(2);
    await writer.close();
    await expect(writer.append(decisionRecord())).rejects.toThrow('the audit log is closed');
    await expect(writer.flush()).resolves.toBeUndefined();
  });

  it('continues the chain across writers and connections (a restart)', async () => {
    await createAuditWriter(db).append(decisionRecord());
    const second = openStore(tmp.file('store.db'), { migrate: 'apply' });
    try {
      expect(await createAuditWriter(second).append(deniedRecord())).toBe(2);
      expect(verifyAuditChain(second)).toEqual({ ok: true, rows: 2 });
    } finally {
      second.close();
    }
  });
});
