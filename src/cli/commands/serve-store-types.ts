import type { ChainState } from '../../checkpoint/checkpoint';
import type { Readiness } from '../../http/health-routes';
import type { Logger } from '../../logger';
import type { AuditWriter } from '../../store/audit-log';
import type { SnapshotReader } from '../../store/snapshot-reader';
import type { WriterIdentity } from '../../store/writer-identity';

// What `serve` needs of its store, whatever the engine (SPEC §6): the review path's reader and its one audit writer,
// the store's part of `/readyz`, the chains a checkpoint signs, and the size `/metrics` reports. The engine is chosen
// once, in serve-store.ts (serve-store-postgres.ts for PostgreSQL); serve.ts works through this interface.
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
