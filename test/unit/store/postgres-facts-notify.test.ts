import { factsKey } from '../../../src/core/image-ref';
import { type FactsCache, createFactsCache } from '../../../src/store/facts-cache';
import { type FactsListener, listenForFactsChanges } from '../../../src/store/postgres/facts-listener';
import { type PostgresStore, openPostgresStore } from '../../../src/store/postgres/open-postgres-store';
import { postgresFactsSource } from '../../../src/store/postgres/snapshot-reader';
import { openStoreAt } from '../../../src/store/open-store';
import { DIGEST_A } from '../../helpers/decision-record';
import { type EngineLocation, createEngineLocation } from '../../helpers/store-engines';

// SPEC §6: replicas answer from their own cache, refreshed on LISTEN/NOTIFY, so an approval or a revocation made
// anywhere is in force on every replica (the bench measures how soon; here a generous bound). Two replicas' caches,
// each with its own listener, over one real PostgreSQL database; the change is made through the repositories, as the
// CLI makes it from another machine.

const API = 'registry.corp.example/payments/api';
const KEY = { repository: API, digest: DIGEST_A };
const NOW = 1_700_000_000_000;

describe('facts caches kept current by LISTEN/NOTIFY', () => {
  let location: EngineLocation;
  let store: PostgresStore;
  const replicas: { cache: FactsCache; listener: FactsListener }[] = [];

  const approvedBy = async (cache: FactsCache): Promise<string | null> => {
    const approval = (await cache.facts([KEY])).images.get(factsKey(API, DIGEST_A))?.approval ?? null;
    return approval === null ? null : approval.revokedAt === null ? approval.approvedBy : 'revoked';
  };
  /** Polls until every replica answers `expected` (a generous bound: the machine is shared). */
  const everywhere = async (expected: string | null): Promise<void> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const answers = await Promise.all(replicas.map((r) => approvedBy(r.cache)));
      if (answers.every((a) => a === expected)) return;
      if (Date.now() > deadline) throw new Error(`replicas answer ${JSON.stringify(answers)}, not ${JSON.stringify(expected)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  /** Reads once more with nothing changed: every replica answers the same, from memory (a cache hit). */
  const fromMemory = async (expected: string | null): Promise<void> => {
    const hits = replicas.map((r) => r.cache.stats().hits);
    expect(await Promise.all(replicas.map((r) => approvedBy(r.cache)))).toEqual(replicas.map(() => expected));
    replicas.forEach((r, i) => expect(r.cache.stats().hits).toBeGreaterThan(hits[i] ?? 0));
  };

  beforeEach(async () => {
    location = await createEngineLocation('postgres');
    const migrating = await openStoreAt({ db: location.db, env: {} }, 'migrate');
    await migrating.migrate(() => Date.now());
    await migrating.close();
    store = await openPostgresStore({ db: location.db, env: {} }, 'read-write', { maxConnections: 4 });
    for (let i = 0; i < 2; i++) {
      // No periodic generation check: only the notifications can make the change seen.
      const cache = createFactsCache(postgresFactsSource(store.pool));
      const listener = listenForFactsChanges({ db: location.db, env: {} }, { onChange: (c) => cache.changed(c) });
      replicas.push({ cache, listener });
    }
    const deadline = Date.now() + 15_000;
    while (!replicas.every((r) => r.listener.connected()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  });
  afterEach(async () => {
    for (const r of replicas.splice(0)) {
      r.cache.close();
      await r.listener.close();
    }
    await store.close();
    await location.remove();
  });

  it('puts an approval and its revocation in force on every replica, which had cached the image', async () => {
    await everywhere(null);
    await store.approvals.approve({ repository: API, digest: DIGEST_A, tag: null, by: 'alice', reason: null, expiresAt: null, imageCreatedAt: null, signature: null, now: NOW });
    await everywhere('alice');
    await fromMemory('alice');
    await store.approvals.revoke({ repository: API, digest: DIGEST_A, by: 'sec', reason: null, now: NOW + 1 });
    await everywhere('revoked');
    await fromMemory('revoked');
  });
});
