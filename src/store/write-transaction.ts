import type Database from 'better-sqlite3';

/**
 * Runs `change` as one write transaction that takes the write lock first (BEGIN IMMEDIATE). A deferred
 * transaction that reads and then writes must upgrade its read snapshot; in WAL mode, when the server's audit
 * writer has committed in the meantime, SQLite answers SQLITE_BUSY at once ("database is locked") without
 * waiting (busy_timeout cannot help: the snapshot is stale). Taking the lock first waits for it instead
 * (busy_timeout), so CLI writes and the server never fail each other (SPEC §6).
 */
export function writeTransaction<T>(db: Database.Database, change: () => T): T {
  return db.transaction(change).immediate();
}
