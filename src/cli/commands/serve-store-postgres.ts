import { createStoreReadiness } from '../../http/store-readiness';
import { createAuditWriter } from '../../store/audit-log';
import { createFactsCache } from '../../store/facts-cache';
import { postgresAuditCommitter } from '../../store/postgres/audit-committer';
import { readPostgresChainStates } from '../../store/postgres/chain-states';
import { listenForFactsChanges } from '../../store/postgres/facts-listener';
import { openPostgresStore } from '../../store/postgres/open-postgres-store';
import { loadPostgresMigrations, planPostgresSchema } from '../../store/postgres/postgres-migrations';
import { postgresFactsSource } from '../../store/postgres/snapshot-reader';
import { type StoreLocation, describeStore } from '../../store/store-location';
import type { ServeStore, ServeStoreOptions } from './serve-store-types';

// `serve` on PostgreSQL (serve-store.ts loads this module only for a postgres:// store).

/** Connections a replica holds at most: one commit in flight, facts read-throughs, readiness, registry events. */
const POSTGRES_POOL_SIZE = 8;
/** How often a replica compares the store's facts generation with its cache's (the safety net under NOTIFY). */
const GENERATION_CHECK_MS = 1_000;

export async function openPostgresServeStore(location: StoreLocation, options: ServeStoreOptions): Promise<ServeStore> {
  // read-write on PostgreSQL refuses a store without the schema or with a pending migration and never applies one,
  // whatever --migrate says: replicas of different versions share the database, and only `migrate` changes it.
  const store = await openPostgresStore(location, 'read-write', { maxConnections: POSTGRES_POOL_SIZE });
  const { pool } = store;
  const cache = createFactsCache(postgresFactsSource(pool), { checkEveryMs: GENERATION_CHECK_MS });
  const log = options.logger.child({ store: 'postgres' });
  const listener = listenForFactsChanges(location, {
    onChange: (change) => cache.changed(change),
    onProblem: (problem) => log.warn('change notifications interrupted; the facts cache reads through until they are back', { problem }),
  });
  const audit = createAuditWriter(postgresAuditCommitter(pool, options.writer));
  const migrations = loadPostgresMigrations();
  const readiness = createStoreReadiness({
    reader: cache,
    audit,
    clock: options.clock,
    pendingMigrations: async () => (await pool.withClient((client) => planPostgresSchema(client, migrations))).pending.length,
  });
  return {
    reader: cache,
    audit,
    readiness,
    chainStates: () => readPostgresChainStates(pool),
    sizeBytes: null,
    description: describeStore(location.db),
    close: async () => {
      await audit.close();
      cache.close();
      await listener.close();
      await store.close();
    },
  };
}
