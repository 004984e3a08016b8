import { factsKey } from '../../../src/core/image-ref';
import { StoreError } from '../../../src/errors';
import { type FactsCache, type FactsSource, createFactsCache } from '../../../src/store/facts-cache';
import { type SqliteStore, openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store';
import { sqliteFactsSource } from '../../../src/store/sqlite/snapshot-reader';
import { DIGEST_A, DIGEST_B } from '../../helpers/decision-record';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

// The replica's facts cache over a real SQLite store, written through the repositories as the CLI writes. What a
// replica relies on: a review of a cached image reads nothing from the store; a change notification makes exactly
// what it names current; a lost notification (a skipped generation, or none at all) never leaves stale facts.

const API = 'registry.corp.example/payments/api';
const WEB = 'registry.corp.example/payments/web';
const NOW = 1_700_000_000_000;

interface Counted extends FactsSource {
  readonly reads: { images: number; lists: number; generations: number };
}

/** The real source, counting its reads. */
function counted(inner: FactsSource): Counted {
  const reads = { images: 0, lists: 0, generations: 0 };
  return {
    reads,
    generation: () => ((reads.generations += 1), inner.generation()),
    image: (key) => ((reads.images += 1), inner.image(key)),
    exceptions: () => ((reads.lists += 1), inner.exceptions()),
    grants: () => inner.grants(),
  };
}

describe('createFactsCache', () => {
  let tmp: TempDir;
  let store: SqliteStore;
  let source: Counted;
  let cache: FactsCache;

  const approve = (repository: string, digest = DIGEST_A) =>
    store.approvals.approve({ repository, digest, tag: null, by: 'alice', reason: null, expiresAt: null, imageCreatedAt: null, signature: null, now: NOW });
  const revoke = (repository: string, digest = DIGEST_A) => store.approvals.revoke({ repository, digest, by: 'sec', reason: null, now: NOW + 1 });
  const approvedBy = async (repository: string, digest = DIGEST_A): Promise<string | null> => {
    const facts = await cache.facts([{ repository, digest }]);
    const approval = facts.images.get(factsKey(repository, digest))?.approval ?? null;
    return approval === null ? null : approval.revokedAt === null ? approval.approvedBy : `revoked by ${approval.revokedBy ?? '?'}`;
  };

  beforeEach(() => {
    tmp = makeTempDir();
    store = openSqliteStore(tmp.file('store.db'), 'read-write');
    source = counted(sqliteFactsSource(store.db));
    cache = createFactsCache(source);
  });
  afterEach(async () => {
    cache.close();
    await store.close();
    tmp.cleanup();
  });

  it('reads an image once, then answers from memory (unknown images too)', async () => {
    await approve(API);
    expect(await approvedBy(API)).toBe('alice');
    expect(await approvedBy(WEB)).toBeNull();
    const before = { ...source.reads };
    for (let i = 0; i < 5; i++) {
      expect(await approvedBy(API)).toBe('alice');
      expect(await approvedBy(WEB)).toBeNull();
    }
    expect(source.reads).toEqual(before);
    expect(cache.stats()).toMatchObject({ images: 2, hits: 10, misses: 2 });
  });

  it('shares one store read between concurrent reviews of an image it does not hold', async () => {
    await approve(API);
    const answers = await Promise.all([approvedBy(API), approvedBy(API), approvedBy(API)]);
    expect(answers).toEqual(['alice', 'alice', 'alice']);
    expect(source.reads.images).toBe(1);
  });

  it('makes current exactly what a notification names, and nothing else', async () => {
    await approve(API);
    await approve(API, DIGEST_B);
    expect(await approvedBy(API)).toBe('alice');
    expect(await approvedBy(API, DIGEST_B)).toBe('alice');
    await revoke(API);
    // Without a notification the change is not seen yet: the cache is what answers.
    expect(await approvedBy(API)).toBe('alice');
    cache.changed({ kind: 'image', generation: await source.generation(), repository: API, digest: DIGEST_A });
    const reads = source.reads.images;
    expect(await approvedBy(API)).toBe('revoked by sec');
    expect(await approvedBy(API, DIGEST_B)).toBe('alice');
    expect(source.reads.images).toBe(reads + 1);
  });

  it('drops every repository of a digest on a scan notification', async () => {
    await approve(API);
    await approve(WEB);
    await cache.facts([{ repository: API, digest: DIGEST_A }, { repository: WEB, digest: DIGEST_A }, { repository: API, digest: DIGEST_B }]);
    await store.scans.import({
      scanner: 'trivy', scannerVersion: null, artifact: null, scannedAt: NOW, by: 'ci',
      reportSha256: 'x', targets: [{ repository: API, digest: DIGEST_A }], findings: [], now: NOW,
    });
    cache.changed({ kind: 'digest', generation: await source.generation(), digest: DIGEST_A });
    const facts = await cache.facts([{ repository: API, digest: DIGEST_A }, { repository: API, digest: DIGEST_B }]);
    expect(facts.images.get(factsKey(API, DIGEST_A))?.scan?.scanner).toBe('trivy');
    expect(cache.stats()).toMatchObject({ images: 2 });
  });

  it('re-reads the exception list on its notification', async () => {
    expect((await cache.facts([])).exceptions).toEqual([]);
    await store.exceptions.add({ vulnerabilityId: 'CVE-2024-1', repository: null, expiresAt: NOW + 1e9, reason: 'r', by: 'alice', now: NOW });
    expect((await cache.facts([])).exceptions).toEqual([]);
    cache.changed({ kind: 'exceptions', generation: await source.generation() });
    expect((await cache.facts([])).exceptions.map((e) => e.vulnerabilityId)).toEqual(['CVE-2024-1']);
  });

  it('drops everything when a notification skips a generation (one was lost)', async () => {
    await approve(API);
    await approve(WEB);
    await cache.facts([{ repository: API, digest: DIGEST_A }, { repository: WEB, digest: DIGEST_A }]);
    await revoke(WEB);
    await revoke(API);
    // Only the API revocation was heard; the WEB one was lost.
    cache.changed({ kind: 'image', generation: await source.generation(), repository: API, digest: DIGEST_A });
    expect(await approvedBy(WEB)).toBe('revoked by sec');
    expect(cache.stats().flushes).toBe(1);
  });

  it('ignores a notification it is already past, and drops everything on "everything"', async () => {
    await approve(API);
    await approvedBy(API);
    cache.changed({ kind: 'image', generation: 0, repository: API, digest: DIGEST_A });
    expect(cache.stats()).toMatchObject({ images: 1, flushes: 0 });
    cache.changed({ kind: 'everything' });
    expect(cache.stats()).toMatchObject({ images: 0, flushes: 1 });
  });

  it('catches a change with no notification at all by comparing generations', async () => {
    await approve(API);
    expect(await approvedBy(API)).toBe('alice');
    await cache.checkGeneration();
    expect(cache.stats().flushes).toBe(0);
    await revoke(API);
    await cache.checkGeneration();
    expect(await approvedBy(API)).toBe('revoked by sec');
  });

  it('checks the generation by itself every checkEveryMs', async () => {
    const timed = createFactsCache(source, { checkEveryMs: 20 });
    try {
      await approve(API);
      await timed.facts([{ repository: API, digest: DIGEST_A }]);
      await revoke(API);
      // A generous bound: only that it happens without being asked.
      const deadline = Date.now() + 10_000;
      while (timed.stats().flushes === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const facts = await timed.facts([{ repository: API, digest: DIGEST_A }]);
      expect(facts.images.get(factsKey(API, DIGEST_A))?.approval?.revokedBy).toBe('sec');
    } finally {
      timed.close();
    }
  });

  it('answers a read that raced with a change but does not keep it', async () => {
    await approve(API);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: FactsSource = { ...source, image: async (key) => { const facts = await source.image(key); await gate; return facts; } };
    const racing = createFactsCache(slow);
    const first = racing.facts([{ repository: API, digest: DIGEST_A }]);
    // Let the read reach the store before the change lands.
    while (source.reads.images === 0) await new Promise((r) => setImmediate(r));
    await revoke(API);
    racing.changed({ kind: 'image', generation: await source.generation(), repository: API, digest: DIGEST_A });
    release();
    expect((await first).images.get(factsKey(API, DIGEST_A))?.approval?.revokedAt).toBeNull();
    expect(racing.stats().images).toBe(0);
    expect((await racing.facts([{ repository: API, digest: DIGEST_A }])).images.get(factsKey(API, DIGEST_A))?.approval?.revokedBy).toBe('sec');
  });

  it('keeps at most maxImages, dropping the least recently used', async () => {
    const small = createFactsCache(source, { maxImages: 2 });
    const key = (d: string) => ({ repository: API, digest: `sha256:${d.repeat(64)}` });
    await small.facts([key('1'), key('2')]);
    await small.facts([key('1')]);
    await small.facts([key('3')]);
    const reads = source.reads.images;
    await small.facts([key('1'), key('3')]);
    expect(source.reads.images).toBe(reads);
    await small.facts([key('2')]);
    expect(source.reads.images).toBe(reads + 1);
    expect(small.stats().images).toBe(2);
  });

  it('fails as a StoreError when the store cannot be read, and recovers with it', async () => {
    let broken = true;
    const flaky: FactsSource = {
      ...source,
      image: (k) => (broken ? Promise.reject(new Error('connection terminated')) : source.image(k)),
    };
    const c = createFactsCache(flaky);
    await expect(c.facts([{ repository: API, digest: DIGEST_A }])).rejects.toThrow(new StoreError('the store cannot be read: connection terminated'));
    broken = false;
    await approve(API);
    expect((await c.facts([{ repository: API, digest: DIGEST_A }])).images.get(factsKey(API, DIGEST_A))?.approval?.approvedBy).toBe('alice');
  });
});
