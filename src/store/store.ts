import type { ApprovalsRepository } from './approvals-repository';
import type { AuditRepository } from './audit-repository';
import type { ChangeLogRepository } from './change-log-repository';
import type { ExceptionsRepository } from './exceptions-repository';
import type { GrantsRepository } from './grants-repository';
import type { RegistryEventsRepository } from './registry-events-repository';
import type { ScansRepository } from './scans-repository';
import type { SnapshotReader } from './snapshot-reader';

/**
 * How a store is opened (SPEC §6, §7):
 * - `read-only`: the store must exist and be fully migrated; nothing is created, migrated or written. For the
 *   commands that only query, so a mistyped `--db` is an error rather than a new empty store, and a newer CLI
 *   run to look something up never migrates the store under an older running server.
 * - `read-write`: created when missing, pending migrations applied, then used.
 * - `migrate`: created when missing, nothing applied until `migrate()` is called (the `migrate` command).
 */
export type StoreMode = 'read-only' | 'read-write' | 'migrate';

export interface MigrationReport {
  /** Names of the migrations applied by this call, in order. */
  readonly applied: readonly string[];
  /** The schema version afterwards. */
  readonly version: number;
}

/** An open store: the repositories the service layer works through, whatever the engine. */
export interface Store {
  readonly approvals: ApprovalsRepository;
  readonly scans: ScansRepository;
  readonly exceptions: ExceptionsRepository;
  readonly grants: GrantsRepository;
  /** Registry events (SPEC §2 `/events/*`) and the pending digests they leave. */
  readonly events: RegistryEventsRepository;
  readonly audit: AuditRepository;
  /** The operator change log (SPEC §6): `changes`, `approvals history`, `audit verify`. */
  readonly changes: ChangeLogRepository;
  /** A reader of the facts the review path needs, with its own cache; one per server. */
  snapshotReader(): SnapshotReader;
  /** Applies pending migrations (refused on a store opened `read-only`). */
  migrate(now: () => number): Promise<MigrationReport>;
  close(): Promise<void>;
}
