import { StoreError, errorMessage } from '../../errors';
import { type AppliedMigration, checkSameFile } from '../migrate';
import { type MigrationFile, POSTGRES_MIGRATIONS_DIR, loadMigrations } from '../migration-files';
import type { MigrationReport } from '../store';
import { type PostgresPool, type Queryable, queryRows } from './postgres-pool';

// PostgreSQL schema migrations (SPEC §6): numbered SQL files in migrations/postgres/, applied only by
// `image-reviewer migrate`, each in its own transaction, all under one advisory lock so two `migrate` runs (two
// clusters' jobs) never apply the same file twice. Recorded with name and sha256 as on SQLite, so an edited or
// renamed applied file is refused.
//
// Expand-then-contract: replicas and clusters of different versions share one database, so a newer schema is not
// refused outright. Each file's first line declares `-- compatibility: expand` (it only adds: tables, nullable or
// defaulted columns, indexes, so the previous version keeps working) or `-- compatibility: contract` (it removes or
// changes what older code uses). The declaration is recorded with the migration, so older code, which does not
// have the newer files, reads it from the store: it accepts a newer schema when every migration it does not know is
// an expand, and refuses it otherwise.

export type Compatibility = 'expand' | 'contract';

export interface PostgresMigrationFile extends MigrationFile {
  readonly compatibility: Compatibility;
}

interface AppliedPostgresMigration extends AppliedMigration {
  readonly compatibility: Compatibility;
}

export interface PostgresSchemaState {
  /** The highest applied migration (0 for an empty database). */
  readonly current: number;
  /** The newest migration this code knows. */
  readonly latest: number;
  readonly pending: readonly PostgresMigrationFile[];
  /** Applied migrations newer than this code (all `expand`: otherwise the plan is refused). */
  readonly newer: readonly string[];
}

/** Arbitrary but fixed: `migrate` runs of every image-reviewer version take the same lock. */
const MIGRATE_LOCK_KEY = 7305946151512101n;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version       INTEGER PRIMARY KEY,
  name          TEXT    NOT NULL,
  checksum      TEXT    NOT NULL,
  applied_at    BIGINT  NOT NULL,
  compatibility TEXT    NOT NULL CHECK (compatibility IN ('expand', 'contract'))
)`;

const DECLARATION = /^-- compatibility: (expand|contract)\s*$/m;

/** The migration files with their declared compatibility; a file that declares none is refused. */
export function loadPostgresMigrations(dir: string = POSTGRES_MIGRATIONS_DIR): readonly PostgresMigrationFile[] {
  return loadMigrations(dir).map((file) => {
    const first = file.sql.split('\n', 1)[0] ?? '';
    const match = DECLARATION.exec(first);
    if (match?.[1] !== 'expand' && match?.[1] !== 'contract') {
      throw new StoreError(`migration ${file.name} must start with "-- compatibility: expand" or "-- compatibility: contract"`);
    }
    return { ...file, compatibility: match[1] };
  });
}

/** Compares the database with the files; throws StoreError when this code cannot use it as it is. */
export async function planPostgresSchema(q: Queryable, files: readonly PostgresMigrationFile[]): Promise<PostgresSchemaState> {
  const applied = await readApplied(q);
  const latest = files[files.length - 1]?.version ?? 0;
  applied.forEach((m, i) => {
    if (m.version !== i + 1) throw new StoreError(`the store's applied migrations are not numbered 1..${applied.length} (found ${m.name})`);
    const file = files.find((f) => f.version === m.version);
    if (file !== undefined) checkSameFile(m, file);
  });
  const newer = applied.filter((m) => m.version > latest);
  const contract = newer.find((m) => m.compatibility === 'contract');
  if (contract !== undefined) {
    throw new StoreError(
      `store schema version ${applied.length} is newer than this image-reviewer (knows ${latest}) and migration ` +
        `${contract.name} is not backward compatible: upgrade image-reviewer`,
    );
  }
  return { current: applied.length, latest, pending: files.slice(applied.length), newer: newer.map((m) => m.name) };
}

/** For every command but `migrate`: the schema must be this code's or a compatible newer one, never changed here. */
export async function requireMigratedSchema(pool: PostgresPool, dir?: string): Promise<void> {
  const files = loadPostgresMigrations(dir);
  const state = await pool.withClient((client) => planPostgresSchema(client, files));
  if (state.current === 0) {
    throw new StoreError(`the store ${pool.name} has no image-reviewer schema: run \`image-reviewer migrate\` first`);
  }
  if (state.pending.length > 0) {
    const names = state.pending.map((f) => f.name).join(', ');
    throw new StoreError(`the store ${pool.name} has pending migrations (${names}): run \`image-reviewer migrate\``);
  }
}

/** `migrate`: applies the pending migrations in order, one transaction each, under the advisory lock. */
export async function migratePostgres(pool: PostgresPool, now: () => number, dir?: string): Promise<MigrationReport> {
  const files = loadPostgresMigrations(dir);
  return pool.withClient(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK_KEY.toString()]);
    try {
      await refuseForeignDatabase(client);
      await client.query(CREATE_TABLE);
      const state = await planPostgresSchema(client, files);
      const applied: string[] = [];
      for (const file of state.pending) {
        await applyOne(client, file, now());
        applied.push(file.name);
      }
      return { applied, version: state.current + applied.length };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK_KEY.toString()]);
    }
  });
}

async function applyOne(client: Queryable, file: PostgresMigrationFile, appliedAt: number): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(file.sql);
    await client.query('INSERT INTO schema_migrations (version, name, checksum, applied_at, compatibility) VALUES ($1, $2, $3, $4, $5)', [
      file.version,
      file.name,
      file.checksum,
      appliedAt,
      file.compatibility,
    ]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new StoreError(`migration ${file.name} failed and was rolled back: ${errorMessage(err)}`);
  }
}

interface AppliedRow {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly applied_at: number;
  readonly compatibility: string;
}

async function readApplied(q: Queryable): Promise<readonly AppliedPostgresMigration[]> {
  const [exists] = await queryRows<{ table: string | null }>(q, "SELECT to_regclass('schema_migrations')::text AS table");
  if (exists?.table === null || exists === undefined) return [];
  const rows = await queryRows<AppliedRow>(q, 'SELECT version, name, checksum, applied_at, compatibility FROM schema_migrations ORDER BY version');
  return rows.map((r) => ({
    version: r.version,
    name: r.name,
    checksum: r.checksum,
    appliedAt: r.applied_at,
    compatibility: r.compatibility === 'expand' ? 'expand' : 'contract',
  }));
}

/** A database whose schema has tables but no migration record belongs to something else: never write into it. */
async function refuseForeignDatabase(q: Queryable): Promise<void> {
  const [row] = await queryRows<{ tables: number; recorded: boolean }>(
    q,
    `SELECT count(*)::int AS tables, bool_or(table_name = 'schema_migrations') AS recorded
     FROM information_schema.tables WHERE table_schema = current_schema()`,
  );
  if (row !== undefined && row.tables > 0 && row.recorded !== true) {
    throw new StoreError('the database is not an image-reviewer store (it has tables but no schema_migrations): use an empty database');
  }
}
