import type Database from 'better-sqlite3';
import { inlineAuditCommitter } from '../../src/store/audit-inline-committer';
import { type AuditWriter, type AuditWriterOptions, createAuditWriter } from '../../src/store/audit-log';
import { threadAuditCommitter } from '../../src/store/audit-thread-committer';
import { verifyAuditChain } from '../../src/store/audit-verify';
import { openDatabase, openStore } from '../../src/store/open-database';
import { queryDecisions } from '../../src/store/audit-query';
import type { WriterIdentity } from '../../src/store/writer-identity';
import { decisionRecord, deniedRecord } from '../helpers/decision-record';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// The one audit writer, with its commit step run both ways: in the worker thread `serve` uses (the compiled
// thread script in dist/, hence an integration test: its project builds dist/ first) and inline. Every behaviour
// below must hold for both.
const A: WriterIdentity = { writer: 'reviewer-a', cluster: null };
const committers = [
  ['in the worker thread', (_db: Database.Database, file: string, writer: WriterIdentity) => threadAuditCommitter(file, writer)],
  ['inline', (db: Database.Database, _file: string, writer: WriterIdentity) => inlineAuditCommitter(db, writer)],
] as const;
const CHAIN_A = 'the audit chain decisions/reviewer-a';

describe.each(committers)('createAuditWriter, committing %s', (_name, committerFor) => {
  let tmp: TempDir;
  let db: Database.Database;
  const writers: AuditWriter[] = [];

  const newWriter = (handle: Database.Database, options: AuditWriterOptions = {}, identity: WriterIdentity = A): AuditWriter => {
    const writer = createAuditWriter(committerFor(handle, handle.name, identity), options);
    writers.push(writer);
    return writer;
  };

  const count = (table: string, handle: Database.Database = db): number =>
    handle.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? -1;

  beforeEach(() => {
    tmp = makeTempDir();
    db = openStore(tmp.file('store.db'), { migrate: 'apply' });
  });
  afterEach(async () => {
    await Promise.all(writers.splice(0).map((w) => w.close()));
    db.close();
    tmp.cleanup();
  });

  // Tests that count batches let a turn run as long as it takes (maxWaitMs: Infinity); the cut is tested on its own.
  const ONE_BATCH_PER_TURN: AuditWriterOptions = { maxWaitMs: Infinity };

  it('commits concurrent appends in shared transactions, with distinct sequential ids', async () => {
    const writer = newWriter(db, ONE_BATCH_PER_TURN);
    const ids = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => writer.append(i % 2 === 0 ? decisionRecord() : deniedRecord())),
    );
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    // 1000 appends in one turn of the event loop: two batches of at most 512.
    expect(writer.stats()).toEqual({ appended: 1000, commits: 2, failedCommits: 0 });
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 1000 });
  });

  it('cuts a long turn: once an append has waited maxWaitMs, what has gathered is committed while the turn goes on', async () => {
    // Every reading of the clock is a quarter of a millisecond later than the one before.
    let now = 0;
    const writer = newWriter(db, { maxWaitMs: 1, monotonic: () => (now += 0.25) });
    const sizes: number[] = [];
    writer.onCommit((commit) => sizes.push(commit.decisions));
    const first = Array.from({ length: 5 }, () => writer.append(decisionRecord()));
    // The fifth append found the first one millisecond old: the commit has started, inside this turn.
    expect(writer.health().busySince).not.toBeNull();
    const rest = Array.from({ length: 15 }, () => writer.append(deniedRecord()));
    const ids = await Promise.all([...first, ...rest]);
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // The rest of the turn waited for that commit and formed the next batch.
    expect(sizes).toEqual([5, 15]);
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 20 });

    // Within maxWaitMs, the turn is one batch.
    const patient = newWriter(db, { maxWaitMs: 1, monotonic: () => 0 }, { writer: 'reviewer-b', cluster: null });
    const patientSizes: number[] = [];
    patient.onCommit((commit) => patientSizes.push(commit.decisions));
    await Promise.all(Array.from({ length: 20 }, () => patient.append(decisionRecord())));
    expect(patientSizes).toEqual([20]);
  });

  it('measures the cut from the oldest append, not from a probe made while it waits', async () => {
    let now = 0;
    const writer = newWriter(db, { maxWaitMs: 1, monotonic: () => now });
    const sizes: number[] = [];
    writer.onCommit((commit) => sizes.push(commit.decisions));
    const first = writer.append(decisionRecord());
    now = 0.9;
    const probed = writer.probe(30_000);
    now = 1;
    const second = writer.append(decisionRecord());
    // The first append is 1 ms old: the commit has started, inside this turn.
    expect(writer.health().busySince).not.toBeNull();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(await probed).toMatchObject({ writable: true });
    expect(sizes).toEqual([2]);
  });

  it('resolves only once the rows are visible to another connection (committed)', async () => {
    const writer = newWriter(db);
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
    const writer = newWriter(db);
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

  it('counts each batch into the rollups, per hour, namespace, outcome and reason, as audit stats reads them', async () => {
    const writer = newWriter(db, ONE_BATCH_PER_TURN);
    const hour = Date.parse('2026-01-15T10:00:00Z');
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => writer.append(decisionRecord({ time: hour + 3_000_000 + i * 10_000 }))), // 10:50 to 10:55
      ...Array.from({ length: 20 }, (_, i) => writer.append(deniedRecord({ time: hour + 3_600_000 + i, namespace: 'web' }))), // 11:00
      writer.append(decisionRecord({ time: hour + 3_600_000, mode: 'dry-run', overridden: 'would deny', namespace: 'web' })),
      writer.append(decisionRecord({ time: hour + 86_400_000, breakGlass: true, ticket: 'T-1', overridden: 'would deny' })),
    ]);
    // One commit (the appends of one turn), then a second that adds to rows the first made.
    await writer.append(deniedRecord({ time: hour + 3_600_001, namespace: 'web' }));
    expect(writer.stats().commits).toBe(2);
    const h = hour / 3_600_000;
    expect(db.prepare('SELECT hour, namespace, mode, allowed, break_glass, n FROM decision_counts ORDER BY 1, 2, 3').all()).toEqual([
      { hour: h, namespace: 'prod', mode: 'enforce', allowed: 1, break_glass: 0, n: 30 },
      { hour: h + 1, namespace: 'web', mode: 'dry-run', allowed: 1, break_glass: 0, n: 1 },
      { hour: h + 1, namespace: 'web', mode: 'enforce', allowed: 0, break_glass: 0, n: 21 },
      { hour: h + 24, namespace: 'prod', mode: 'enforce', allowed: 1, break_glass: 1, n: 1 },
    ]);
    const day = Date.parse('2026-01-15T00:00:00Z') / 86_400_000;
    expect(db.prepare('SELECT day, namespace, n FROM decision_day_counts ORDER BY 1, 2, 3').all()).toEqual([
      { day, namespace: 'prod', n: 30 },
      { day, namespace: 'web', n: 1 },
      { day, namespace: 'web', n: 21 },
      { day: day + 1, namespace: 'prod', n: 1 },
    ]);
    expect(db.prepare('SELECT hour, outcome, n FROM decision_outcomes ORDER BY 1, 2').all()).toEqual([
      { hour: h, outcome: 'allowed', n: 30 },
      { hour: h + 1, outcome: 'denied', n: 21 },
      { hour: h + 1, outcome: 'would-deny', n: 1 },
      { hour: h + 24, outcome: 'break-glass', n: 1 },
    ]);
    expect(db.prepare('SELECT hour, reason, n FROM decision_reason_counts ORDER BY 1, 2').all()).toEqual([
      { hour: h + 1, reason: 'not-approved', n: 21 },
      { hour: h + 1, reason: 'scan-missing', n: 21 },
    ]);
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 53 });
  });

  it('tells its listeners of each committed batch, its size and duration, and of no failed one', async () => {
    const writer = newWriter(db, ONE_BATCH_PER_TURN);
    const commits: { decisions: number; seconds: number }[] = [];
    writer.onCommit((commit) => commits.push(commit));
    await Promise.all(Array.from({ length: 600 }, () => writer.append(decisionRecord())));
    db.exec("CREATE TRIGGER fail BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    await expect(writer.append(decisionRecord())).rejects.toThrow('disk on fire');
    expect(commits.map((c) => c.decisions)).toEqual([512, 88]);
    // A real transaction, timed to the microsecond.
    for (const { seconds } of commits) expect(seconds > 0 && seconds < 60).toBe(true);
  });

  it('rejects the whole batch when the transaction fails, writes nothing of it, and recovers', async () => {
    const writer = newWriter(db);
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

  it('reports a failed commit in its health until a later commit succeeds', async () => {
    const writer = newWriter(db);
    db.exec("CREATE TRIGGER fail BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    await expect(writer.append(decisionRecord())).rejects.toThrow('disk on fire');
    expect(writer.health()).toMatchObject({ writable: false, problem: 'disk on fire', busySince: null });
    db.exec('DROP TRIGGER fail');
    expect(await writer.probe(10_000)).toMatchObject({ writable: true, problem: null });
  });

  it('never rebuilds a deleted chain head: it refuses to record, and ids are not reused', async () => {
    const writer = newWriter(db);
    await Promise.all([writer.append(decisionRecord()), writer.append(decisionRecord())]);
    db.exec("DELETE FROM audit_chains WHERE writer = 'reviewer-a'");
    await expect(writer.append(decisionRecord())).rejects.toThrow(
      `audit write failed: ${CHAIN_A} has no head, but this server recorded decisions up to 2: decisions were deleted or the head was edited`,
    );
    const probed = await writer.probe(10_000);
    expect(probed.writable).toBe(false);
    expect(probed.problem).toContain(`${CHAIN_A} has no head`);
    expect(count('decisions')).toBe(2);
  });

  it('refuses to continue a chain whose newest decisions were deleted and whose head was rewound', async () => {
    const writer = newWriter(db);
    await Promise.all([1, 2, 3].map(() => writer.append(decisionRecord())));
    db.exec(`DELETE FROM decision_reasons WHERE decision_id = 3; DELETE FROM decision_images WHERE decision_id = 3;
             DELETE FROM decisions WHERE id = 3;
             UPDATE audit_chains SET count = 2, hash = (SELECT hash FROM decisions WHERE id = 2) WHERE writer = 'reviewer-a'`);
    await expect(writer.append(decisionRecord())).rejects.toThrow(
      `${CHAIN_A} ends at decision 2, but this server recorded decisions up to 3`,
    );
    expect(count('decisions')).toBe(2);
  });

  it('refuses a head that does not name the newest entry of its chain', async () => {
    await newWriter(db).append(decisionRecord());
    db.exec('UPDATE audit_chains SET hash = zeroblob(32) WHERE writer IS NOT NULL');
    await expect(newWriter(db).append(decisionRecord())).rejects.toThrow(
      `the head of ${CHAIN_A} records 1 entries but its newest is entry 1 (decision 1) (or its hash differs)`,
    );
  });

  it('keeps one chain per writer, ids unique across them, each decision naming its writer and cluster', async () => {
    const a = newWriter(db);
    const b = newWriter(db, {}, { writer: 'reviewer-b', cluster: 'prod-eu' });
    const ids = await Promise.all([a.append(decisionRecord()), b.append(deniedRecord()), a.append(decisionRecord()), b.append(decisionRecord())]);
    expect(new Set(ids).size).toBe(4);
    expect(db.prepare('SELECT writer, cluster, count FROM audit_chains WHERE writer IS NOT NULL ORDER BY writer').all()).toEqual([
      { writer: 'reviewer-a', cluster: null, count: 2 },
      { writer: 'reviewer-b', cluster: 'prod-eu', count: 2 },
    ]);
    const decided = queryDecisions(db, { limit: 10 }).map((d) => [d.id, d.writer, d.cluster]);
    expect(decided.sort()).toEqual(ids.map((id, i) => [id, i % 2 === 0 ? 'reviewer-a' : 'reviewer-b', i % 2 === 0 ? null : 'prod-eu']).sort());
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 4 });
  });

  it('refuses a malformed record alone, without failing the others', async () => {
    const writer = newWriter(db);
    const good = writer.append(decisionRecord());
    const bad = writer.append(decisionRecord({ time: Number.NaN }));
    await expect(bad).rejects.toThrow('audit record refused: invalid time NaN');
    expect(await good).toBe(1);
  });

  it('stores text that SQLite cannot hold as UTF-8 so that the chain still verifies', async () => {
    const writer = newWriter(db);
    await writer.append(decisionRecord({ namespace: 'ns\ud800', reason: 'nul\u0000byte' }));
    expect(db.prepare('SELECT namespace, reason FROM decisions').get()).toEqual({
      namespace: 'ns\ufffd',
      reason: 'nul\u0000byte',
    });
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 1 });
  });

  it('flush waits for pending appends; close refuses new ones', async () => {
    const writer = newWriter(db);
    void writer.append(decisionRecord());
    void writer.append(decisionRecord());
    await writer.flush();
    expect(count('decisions')).toBe(2);
    await writer.close();
    await expect(writer.append(decisionRecord())).rejects.toThrow('the audit log is closed');
    await expect(writer.flush()).resolves.toBeUndefined();
  });

  it('continues the chain across writers and connections (a restart)', async () => {
    const first = newWriter(db);
    await first.append(decisionRecord());
    await first.close();
    const second = openStore(tmp.file('store.db'), { migrate: 'apply' });
    try {
      const writer = newWriter(second);
      expect(await writer.append(deniedRecord())).toBe(2);
      await writer.close();
      expect(verifyAuditChain(second)).toEqual({ ok: true, rows: 2 });
    } finally {
      second.close();
    }
  });
});
