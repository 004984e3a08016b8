import type Database from 'better-sqlite3';
import { StoreError, errorMessage } from '../errors';
import { DEFAULT_MIGRATIONS_DIR, type MigrationFile, loadMigrations } from './migration-files';

// Schema migrations (SPEC §6, STYLE 13): numbered SQL files applied in order, one transaction each,
// recorded in `schema_migrations` with their name and sha256 so that a renamed, edited or missing
// applied file, or a store written by a newer image-reviewer, is refused instead of half-understood.

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: number;
}

export interface MigrationPlan {
  /** The store's schema version (highest applied migration, 0 for a new store). */
  readonly current: number;
  /** The newest version this code knows. */
  readonly latest: number;
  readonly pending: readonly MigrationFile[];
}

export interface MigrateOptions {
  /** Directory of `NNNN_name.sql` files; the package's `migrations/` by default. */
  readonly dir?: string;
  readonly now?: () => number;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  checksum   TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
)`;

/** Compares the store with the migration files; throws StoreError when they disagree. */
export function planMigrations(db: Database.Database, dir: string = DEFAULT_MIGRATIONS_DIR): MigrationPlan {
  const files = loadMigrations(dir);
  const applied = readApplied(db);
  checkApplied(applied, files);
  return {
    current: applied.length,
    latest: files.length,
    pending: files.slice(applied.length),
  };
}

/** Applies the pending migrations in order, each in its own transaction; returns those it applied. */
export function applyMigrations(db: Database.Database, options: MigrateOptions = {}): readonly MigrationFile[] {
  const now = options.now ?? Date.now;
  const plan = planMigrations(db, options.dir);
  const done: MigrationFile[] = [];
  for (const file of plan.pending) {
    if (applyOne(db, file, now())) done.push(file);
  }
  return done;
}

/** Throws StoreError naming the pending migrations, for `serve --no-migrate`. */
export function refusePendingMigrations(db: Database.Database, dir: string = DEFAULT_MIGRATIONS_DIR): void {
  const plan = planMigrations(db, dir);
  if (plan.pending.length === 0) return;
  const names = plan.pending.map((f) => f.name).join(', ');
  throw new StoreError(`the store has pending migrations (${names}): run \`image-reviewer migrate\``);
}

function applyOne(db: Database.Database, file: MigrationFile, appliedAt: number): boolean {
  const run = db.transaction((): boolean => {
    db.exec(CREATE_TABLE);
    // Another process (a second replica, a CLI run) may have applied it while we waited for the lock.
    const existing = readApplied(db).find((m) => m.version === file.version);
    if (existing !== undefined) {
      checkSameFile(existing, file);
      return false;
    }
    db.exec(file.sql);
    db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)').run(
      file.version,
      file.name,
      file.checksum,
      appliedAt,
    );
    return true;
  });
  try {
    return run.immediate();
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError(`migration ${file.name} failed and was rolled back: ${errorMessage(err)}`);
  }
}

function checkApplied(applied: readonly AppliedMigration[], files: readonly MigrationFile[]): void {
  const newest = applied[applied.length - 1];
  const latest = files[files.length - 1]?.version ?? 0;
  if (newest !== undefined && newest.version > latest) {
    const unknown = applied.filter((m) => m.version > latest).map((m) => m.name);
    throw new StoreError(
      `store schema version ${newest.version} is newer than this image-reviewer (knows ${latest}): ` +
        `upgrade image-reviewer (unknown migrations: ${unknown.join(', ')})`,
    );
  }
  applied.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new StoreError(`the store's applied migrations are not numbered 1..${applied.length} (found ${m.name})`);
    }
    const file = files.find((f) => f.version === m.version);
    if (file === undefined) throw new StoreError(`applied migration ${m.name} is missing`);
    checkSameFile(m, file);
  });
}

/** Throws StoreError when the applied migration `m` is not `file` as it was applied (renamed or edited). */
export function checkSameFile(m: AppliedMigration, file: MigrationFile): void {
  if (file.name !== m.name) {
    throw new StoreError(`applied migration ${m.name} was renamed to ${file.name}: restore its name`);
  }
  if (file.checksum !== m.checksum) {
    throw new StoreError(
      `applied migration ${m.name} was edited (checksum differs from the store's record): ` +
        'restore the original file and put changes in a new migration',
    );
  }
}

interface AppliedRow {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly applied_at: number;
}

function readApplied(db: Database.Database): readonly AppliedMigration[] {
  if (!tableExists(db, 'schema_migrations')) {
    refuseForeignDatabase(db);
    return [];
  }
  const rows = db
    .prepare<[], AppliedRow>('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version')
    .all();
  return rows.map((r) => ({ version: r.version, name: r.name, checksum: r.checksum, appliedAt: r.applied_at }));
}

/** A SQLite file with tables but no migration record was made by something else: never write into it. */
function refuseForeignDatabase(db: Database.Database): void {
  const row = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get();
  if (row !== undefined && row.n > 0) {
    throw new StoreError(`${db.name} is a SQLite database but not an image-reviewer store (no schema_migrations)`);
  }
}

function tableExists(db: Database.Database, name: string): boolean {
  const row = db
    .prepare<[string], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(name);
  return row?.n === 1;
}
