import fs from 'node:fs';
import type { ChainState } from '../../checkpoint/checkpoint';
import type { Readiness } from '../../http/health-routes';
import { createStoreReadiness } from '../../http/store-readiness';
import type { Logger } from '../../logger';
import { type AuditWriter, createAuditWriter } from '../../store/audit-log';
import { createThreadAuditWriter } from '../../store/audit-thread-committer';
import { readChainStates } from '../../store/chain-states';
import { createFactsCache } from '../../store/facts-cache';
import { planMigrations } from '../../store/migrate';
import { openStore } from '../../store/open-database';
import { postgresAuditCommitter } from '../../store/postgres/audit-committer';
import { readPostgresChainStates } from '../../store/postgres/chain-states';
import { listenForFactsChanges } from '../../store/postgres/facts-listener';
import { openPostgresStore } from '../../store/postgres/open-postgres-store';
import { loadPostgresMigrations, planPostgresSchema } from '../../store/postgres/postgres-migrations';
import { postgresFactsSource } from '../../store/postgres/snapshot-reader';
import type { SnapshotReader } from '../../store/snapshot-reader';
import { createSnapshotReader } from '../../store/sqlite/snapshot-reader';
import { storeIdentity, storeIdentityProblem } from '../../store/store-identity';
import { type StoreLocation, describeStore, isPostgresUrl } from '../../store/store-location';
import type { WriterIdentity } from '../../store/writer-identity';

// What `serve` needs of its store, whatever the engine (SPEC §6): the review path's reader and its one audit writer,
// the store's part of `/readyz`, the chains a checkpoint signs, and the size `/metrics` reports. The engine is chosen
// here once; serve.ts works through this interface.
// - SQLite: one file, one replica. Reads from an in-process snapshot cache; commits in a worker thread.
// - PostgreSQL: several replicas share the database. Each reads through a bounded facts cache kept current by
//   LISTEN/NOTIFY (facts-listener.ts) with a generation check every second as the safety net, and commits its
//   decisions to its own audit chain (audit-committer.ts) with the same group commit. The schema is never changed
//   here: a pending migration is refused at start and makes the replica not ready if it appears later.

export interface ServeStore {
  readonly reader: SnapshotReader;
  readonly audit: AuditWriter;
  /** The store's part of `/readyz`. */
  readonly readiness: () => Promise<Readiness>;
  /** The chains a signed checkpoint covers (rejects when a head is not consistent). */
  readonly chainStates: () => Promise<readonly ChainState[]>;
  /** Bytes on disk, for `/metrics`; null on PostgreSQL (its own monitoring reports pg_database_size). */
  readonly sizeBytes: (() => number) | null;
  /** How the log names the store (a URL without its password). */
  readonly description: string;
  /** Closes what the store holds (the audit writer is closed first, by serve, before the last checkpoint). */
  close(): Promise<void>;
}

export interface ServeStoreOptions {
  readonly writer: WriterIdentity;
  /** SQLite only: apply pending migrations at start (the default; `--no-migrate` refuses them). */
  readonly migrate: boolean;
  readonly clock: () => number;
  readonly logger: Logger;
}

/** Connections a replica holds at most: one commit in flight, facts read-throughs, readiness, registry events. */
const POSTGRES_POOL_SIZE = 8;
/** How often a replica compares the store's facts generation with its cache's (the safety net under NOTIFY). */
const GENERATION_CHECK_MS = 1_000;

export async function openServeStore(location: StoreLocation, options: ServeStoreOptions): Promise<ServeStore> {
  return isPostgresUrl(location.db) ? openPostgresServeStore(location, options) : openSqliteServeStore(location.db, options);
}

function openSqliteServeStore(dbPath: string, options: ServeStoreOptions): ServeStore {
  const db = openStore(dbPath, { migrate: options.migrate ? 'apply' : 'refuse' });
  try {
    const reader = createSnapshotReader(db);
    const identity = dbPath === ':memory:' ? null : storeIdentity(dbPath);
    // Commits are made by a worker thread with its own connection, so fsync never stalls the event loop.
    const audit = createThreadAuditWriter(dbPath, options.writer, identity);
    const readiness = createStoreReadiness({
      reader,
      audit,
      clock: options.clock,
      pendingMigrations: () => planMigrations(db).pending.length,
      identityProblem: () => (identity === null ? null : storeIdentityProblem(dbPath, identity)),
    });
    return {
      reader,
      audit,
      readiness,
      chainStates: async () => readChainStates(db),
      sizeBytes: () => sqliteSize(dbPath),
      description: dbPath,
      close: async () => {
        await audit.close();
        db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

async function openPostgresServeStore(location: StoreLocation, options: ServeStoreOptions): Promise<ServeStore> {
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

function sqliteSize(dbPath: string): number {
  let total = 0;
  for (const file of [dbPath, `${dbPath}-wal`]) {
    try {
      total += fs.statSync(file).size;
    } catch {
      // The WAL file does not exist between checkpoints; a missing file adds nothing.
    }
  }
  return total;
}
