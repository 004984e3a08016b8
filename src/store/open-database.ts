import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, errorMessage } from '../errors';
import { changeHash } from './change-hash';
import { applyMigrations, refusePendingMigrations } from './migrate';

export interface OpenDatabaseOptions {
  /** Open without write access (the file must exist); nothing is created or changed. */
  readonly readonly?: boolean;
}

/** How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the SQLite store with the settings SPEC §6 requires. WAL lets the server keep reading while the
 * CLI writes; `synchronous=FULL` makes every commit durable (fsync of the WAL), since a decision must be
 * on disk before its response is sent; the busy timeout makes the CLI and the server wait for each
 * other's write lock instead of failing with SQLITE_BUSY.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  const readonly = options.readonly === true;
  if (!readonly && file !== ':memory:') createParentDirectory(file);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw new StoreError(`cannot open store ${file}: ${errorMessage(err)}`);
  }
  try {
    configure(db, readonly);
    return db;
  } catch (err) {
    db.close();
    throw describeOpenFailure(file, err);
  }
}

function configure(db: Database.Database, readonly: boolean): void {
  // The first statement reads the file header: a file that is not SQLite fails here (SQLITE_NOTADB).
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  if (!readonly) {
    const mode: unknown = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal' && mode !== 'memory') {
      throw new StoreError(`the store could not switch to WAL mode (journal_mode is ${String(mode)})`);
    }
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.prepare('SELECT count(*) FROM sqlite_master').get();
  registerChangeHash(db);
}

/**
 * `change_hash(previous, id, time, actor, action, subject, details)`: the change log's chain hash (change-hash.ts) as
 * a SQL function, so migration 0005 chains the entries a store already holds with the very code that verifies them.
 */
function registerChangeHash(db: Database.Database): void {
  db.function('change_hash', { deterministic: true }, (previous: unknown, id: unknown, time: unknown, actor: unknown, action: unknown, subject: unknown, details: unknown) => {
    if (!Buffer.isBuffer(previous) || typeof id !== 'number' || typeof time !== 'number' || typeof actor !== 'string' ||
      typeof action !== 'string' || typeof subject !== 'string' || (details !== null && typeof details !== 'string')) {
      throw new StoreError(`change_log entry ${String(id)} holds a value of the wrong type: it cannot be chained`);
    }
    return changeHash(previous, { id, time, actor, action, subject, details });
  });
}

function createParentDirectory(file: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create the store directory ${dir}: ${errorMessage(err)}`);
  }
}

function describeOpenFailure(file: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new StoreError(`${file} is not an image-reviewer store (not a SQLite database)`);
  }
  return new StoreError(`cannot open store ${file}: ${errorMessage(err)}`);
}

export interface OpenStoreOptions {
  /** `apply` pending migrations (the default for `serve` and the CLI), or `refuse` to start (`serve --no-migrate`). */
  readonly migrate: 'apply' | 'refuse';
  /** Migrations directory, for tests; the package's `migrations/` by default. */
  readonly migrationsDir?: string;
}

/** Opens the store and brings its schema up to date (or refuses when it is not); SPEC §6. */
export function openStore(file: string, options: OpenStoreOptions): Database.Database {
  const db = openDatabase(file);
  try {
    if (options.migrate === 'apply') applyMigrations(db, { dir: options.migrationsDir });
    else refusePendingMigrations(db, options.migrationsDir);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
