import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { StoreError } from '../../errors';
import { queryDecision, queryDecisions } from '../audit-query';
import { auditTimeline } from '../audit-timeline';
import { topDeniedImages } from '../top-denied-images';
import { auditStats } from '../audit-stats';
import { verifyAuditChain } from '../audit-verify';
import { storedChains } from '../chain-states';
import { applyMigrations, planMigrations, refusePendingMigrations } from '../migrate';
import { openDatabase, openStore } from '../open-database';
import type { Store, StoreMode } from '../store';
import { admittedImagesSince } from './admitted-images';
import { admittedNamespaces } from './admitted-namespaces';
import { approvalHistory, approve, digestsTagged, listApprovals, revoke } from './approvals-repo';
import { listChanges } from './change-log';
import { verifyChangeLog } from './change-log-verify';
import { addException, listExceptions, removeException } from './exceptions-repo';
import { grantBreakGlass, listGrants, revokeGrant } from './grants-repo';
import { importScan, listScans, newestScanFor, scanFindings, scanTargets } from './scans-repo';
import { deletedDigests, eventSeen, pendingDigests, recordEvent } from './registry-events-repo';
import { createSnapshotReader } from './snapshot-reader';
import { findApprovals } from './find-approvals';

// The SQLite store behind the engine-agnostic interfaces (../store.ts). better-sqlite3 is synchronous: each
// method does its work when called and returns a settled Promise, so a caller that awaits it sees the same
// order of effects as the synchronous code had.

export interface SqliteStore extends Store {
  /** The connection, for what only SQLite has: the audit writer's file and `/readyz`'s migration check. */
  readonly db: Database.Database;
}

export interface OpenSqliteStoreOptions {
  /** `read-write` only: refuse pending migrations instead of applying them (`serve --no-migrate`). */
  readonly refusePending?: boolean;
  /** Migrations directory, for tests; the package's `migrations/` by default. */
  readonly migrationsDir?: string;
}

export function openSqliteStore(file: string, mode: StoreMode, options: OpenSqliteStoreOptions = {}): SqliteStore {
  const db = openConnection(file, mode, options);
  const readonly = mode === 'read-only';
  return {
    db,
    approvals: {
      approve: async (input) => approve(db, input),
      revoke: async (input) => revoke(db, input),
      list: async (filter) => listApprovals(db, filter),
      history: async (repository, digest, now) => approvalHistory(db, repository, digest, now),
      digestsTagged: async (repository, tag) => digestsTagged(db, repository, tag),
      find: async (query) => findApprovals(db, query),
    },
    scans: {
      import: async (input) => importScan(db, input),
      newestFor: async (digest) => newestScanFor(db, digest),
      list: async (options) => listScans(db, options),
      targets: async (scanId) => scanTargets(db, scanId),
      findings: async (scanId) => scanFindings(db, scanId),
    },
    exceptions: {
      add: async (input) => addException(db, input),
      remove: async (input) => removeException(db, input),
      list: async (filter) => listExceptions(db, filter),
    },
    grants: {
      grant: async (input) => grantBreakGlass(db, input),
      revoke: async (input) => revokeGrant(db, input),
      list: async (filter) => listGrants(db, filter),
    },
    events: {
      seen: async (source, key) => eventSeen(db, source, key),
      record: async (input) => recordEvent(db, input),
      pending: async (filter) => pendingDigests(db, filter.repositoryGlob),
      deletions: async () => deletedDigests(db),
    },
    audit: {
      decisions: async (filter) => queryDecisions(db, filter),
      decision: async (id) => queryDecision(db, id),
      timeline: async (range) => auditTimeline(db, range),
      topDeniedImages: async (query) => topDeniedImages(db, query),
      stats: async (filter) => auditStats(db, filter),
      verify: async () => verifyAuditChain(db),
      // Each entry is an index seek when asked for: nothing to read ahead.
      chains: async () => storedChains(db),
      admittedNamespaces: async (repository, digest, sinceMs) => admittedNamespaces(db, repository, digest, sinceMs),
      admittedImages: async (since) => admittedImagesSince(db, since),
    },
    changes: {
      list: async (filter) => listChanges(db, filter),
      verify: async () => verifyChangeLog(db),
    },
    snapshotReader: () => createSnapshotReader(db),
    migrate: async (now) => {
      if (readonly) throw new StoreError('the store was opened read-only: it cannot be migrated');
      const applied = applyMigrations(db, { dir: options.migrationsDir, now });
      return { applied: applied.map((m) => m.name), version: planMigrations(db, options.migrationsDir).current };
    },
    close: async () => void db.close(),
  };
}

function openConnection(file: string, mode: StoreMode, options: OpenSqliteStoreOptions): Database.Database {
  switch (mode) {
    case 'read-write':
      return openStore(file, { migrate: options.refusePending === true ? 'refuse' : 'apply', migrationsDir: options.migrationsDir });
    case 'migrate':
      return openDatabase(file);
    case 'read-only':
      return openReadOnly(file, options.migrationsDir);
  }
}

/** A query never creates a store (a mistyped path would look like an empty one) nor migrates it under a running server. */
function openReadOnly(file: string, migrationsDir: string | undefined): Database.Database {
  if (file !== ':memory:' && !fs.existsSync(file)) {
    throw new StoreError(`no store at ${file} (check --db or IMAGE_REVIEWER_DB; \`image-reviewer migrate\` creates one)`);
  }
  const db = openDatabase(file, { readonly: true });
  try {
    refusePendingMigrations(db, migrationsDir);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
