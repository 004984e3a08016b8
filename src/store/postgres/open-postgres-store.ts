import { StoreError } from '../../errors';
import type { Store, StoreMode } from '../store';
import type { StoreLocation } from '../store-location';
import { createApprovalsRepository } from './approvals-repo';
import { admittedImagesSince, admittedNamespaces, auditStats, auditTimeline, queryDecision, queryDecisions, topDeniedImages } from './audit-reads';
import { storedChains, verifyAuditChain } from './audit-verify';
import { listChanges, verifyChangeLog } from './change-log';
import { createExceptionsRepository } from './exceptions-repo';
import { createGrantsRepository } from './grants-repo';
import { migratePostgres, requireMigratedSchema } from './postgres-migrations';
import { type PostgresPool, openPostgresPool } from './postgres-pool';
import { createRegistryEventsRepository } from './registry-events-repo';
import { createScansRepository } from './scans-repo';
import { createReadThroughSnapshotReader } from './snapshot-reader';

// The PostgreSQL store behind the engine-agnostic interfaces (../store.ts). Unlike SQLite, only `migrate` ever
// changes the schema (SPEC §6): replicas and clusters running different versions share the database, so a command
// opening it `read-write` checks the schema and refuses a pending migration instead of applying it.

export interface PostgresStore extends Store {
  /** The pool, for what only PostgreSQL has (store copy, the replicated audit writer). */
  readonly pool: PostgresPool;
}

export interface OpenPostgresStoreOptions {
  /** Migrations directory, for tests; the package's migrations/postgres/ by default. */
  readonly migrationsDir?: string;
  /** Most connections at once (a CLI command needs two at most). */
  readonly maxConnections?: number;
}

export async function openPostgresStore(location: StoreLocation, mode: StoreMode, options: OpenPostgresStoreOptions = {}): Promise<PostgresStore> {
  const readOnly = mode === 'read-only';
  const pool = openPostgresPool(location, { max: options.maxConnections ?? 2, readOnly });
  try {
    if (mode !== 'migrate') await requireMigratedSchema(pool, options.migrationsDir);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return {
    pool,
    approvals: createApprovalsRepository(pool),
    scans: createScansRepository(pool),
    exceptions: createExceptionsRepository(pool),
    grants: createGrantsRepository(pool),
    events: createRegistryEventsRepository(pool),
    audit: {
      decisions: (filter) => queryDecisions(pool, filter),
      decision: (id) => queryDecision(pool, id),
      timeline: (range) => auditTimeline(pool, range),
      topDeniedImages: (query) => topDeniedImages(pool, query),
      stats: (filter) => auditStats(pool, filter),
      verify: () => verifyAuditChain(pool),
      chains: (entries) => storedChains(pool, entries),
      admittedNamespaces: (repository, digest, sinceMs) => admittedNamespaces(pool, repository, digest, sinceMs),
      admittedImages: (since) => admittedImagesSince(pool, since),
    },
    changes: {
      list: (filter) => pool.withClient((client) => listChanges(client, filter)),
      verify: () => verifyChangeLog(pool),
    },
    snapshotReader: () => createReadThroughSnapshotReader(pool),
    migrate: async (now) => {
      if (readOnly) throw new StoreError('the store was opened read-only: it cannot be migrated');
      return migratePostgres(pool, now, options.migrationsDir);
    },
    close: () => pool.end(),
  };
}
