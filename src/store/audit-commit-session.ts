import type Database from 'better-sqlite3';
import { type BatchWriter, createBatchWriter } from './audit-batch';
import type { DecisionRecord } from './decision-record';
import type { WriterIdentity } from './writer-identity';

// The commit step of the audit writer (audit-log.ts), the same code whether it runs in the writer thread
// (`serve`: audit-thread.ts) or inline: a connection opened lazily and dropped after any failure, so a
// store that was unwritable at start (full disk, locked) is retried with the next batch, and whatever
// state a failed transaction left (SQLite recommends a fresh connection after an I/O error) is cleared.

export interface AuditCommitSession {
  /** One transaction; throws (nothing stored) when it fails. See BatchWriter for `committedUpTo`. */
  write(records: readonly DecisionRecord[], committedUpTo: number): readonly number[];
  /** A real commit that changes nothing (BatchWriter.probe); throws when the store cannot be written. */
  probe(committedUpTo: number): void;
  /** Drops the connection; the next call opens a fresh one. */
  close(): void;
}

export interface CommitConnection {
  /** Opens (or lends) the connection the commits use. */
  open(): Database.Database;
  /** Gives it back: closes a connection the session opened, leaves a lent one to its owner. */
  release(db: Database.Database): void;
  /** Throws when the store must not be written now (its file was deleted or replaced); run before every commit. */
  check?(): void;
}

/** Commits to `identity`'s own chain (writer-identity.ts). */
export function createAuditCommitSession(connection: CommitConnection, identity: WriterIdentity): AuditCommitSession {
  let current: { readonly db: Database.Database; readonly batch: BatchWriter } | null = null;

  const connect = (): BatchWriter => {
    if (current !== null) return current.batch;
    const db = connection.open();
    try {
      current = { db, batch: createBatchWriter(db, identity) };
      return current.batch;
    } catch (err) {
      connection.release(db);
      throw err;
    }
  };

  const close = (): void => {
    const db = current?.db;
    current = null;
    if (db === undefined) return;
    try {
      connection.release(db);
    } catch {
      // The connection is being dropped because it failed; closing it may fail the same way.
    }
  };

  const attempt = <T>(step: (batch: BatchWriter) => T): T => {
    try {
      connection.check?.();
      return step(connect());
    } catch (err) {
      close();
      throw err;
    }
  };

  return {
    write: (records, committedUpTo) => attempt((batch) => batch.write(records, committedUpTo)),
    probe: (committedUpTo) => attempt((batch) => batch.probe(committedUpTo)),
    close,
  };
}
