import Database from 'better-sqlite3';
import { Client } from 'pg';
import { openStoreAt } from '../../src/store/open-store';
import type { FactsSource } from '../../src/store/facts-cache';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store';
import { postgresFactsSource } from '../../src/store/postgres/snapshot-reader';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store';
import { sqliteFactsSource } from '../../src/store/sqlite/snapshot-reader';
import type { Store } from '../../src/store/store';
import { createTestSchema, dropFileDatabase } from './postgres-server';
import { makeTempDir } from './temp-dir';

// The store test suites run on both engines (SPEC §6): `describe.each(ENGINES)` and `useEngineStore(engine)` give
// each test a fresh, migrated store of that engine: a SQLite file in a temporary directory, or a schema of its own
// (in the test file's database) on the run's PostgreSQL server (helpers/postgres-server.ts). `sql` reaches under the
// interface, for what a test sets up or checks by hand (an edited row, a dropped table), in SQL both engines understand.

export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

export interface EngineStore {
  /** The `--db` value of this test's store (a file path or a postgres:// URL). */
  readonly db: string;
  /** The store, opened read-write through openStoreAt as the CLI opens it. */
  readonly store: Store;
  /** Runs one statement on a connection of its own; rows for a query. */
  sql(text: string): Promise<Record<string, unknown>[]>;
  /** The change log as the tests read it: every column, oldest first. */
  changes(): Promise<Record<string, unknown>[]>;
  /** The engine's source for a replica's facts cache. */
  factsSource(): FactsSource;
}

/** A fresh, empty location of the engine: `create()` in a hook, `remove()` after. */
export interface EngineLocation {
  readonly db: string;
  remove(): Promise<void>;
}

export async function createEngineLocation(engine: Engine): Promise<EngineLocation> {
  if (engine === 'postgres') {
    const database = await createTestSchema();
    return { db: database.url, remove: () => database.drop() };
  }
  const dir = makeTempDir('engine-store-');
  return { db: dir.file('store.db'), remove: async () => dir.cleanup() };
}

/** Registers hooks giving each test of the block a migrated store of `engine`. */
export function useEngineStore(engine: Engine): EngineStore {
  let current: { location: EngineLocation; store: Store; facts: FactsSource; sqlite: Database.Database | null } | undefined;
  beforeEach(async () => {
    const location = await createEngineLocation(engine);
    const migrating = await openStoreAt({ db: location.db, env: {} }, 'migrate');
    await migrating.migrate(() => Date.now());
    await migrating.close();
    if (engine === 'sqlite') {
      const store = openSqliteStore(location.db, 'read-write');
      current = { location, store, facts: sqliteFactsSource(store.db), sqlite: store.db };
    } else {
      const store = await openPostgresStore({ db: location.db, env: {} }, 'read-write');
      current = { location, store, facts: postgresFactsSource(store.pool), sqlite: null };
    }
  });
  afterEach(async () => {
    await current?.store.close();
    await current?.location.remove();
    current = undefined;
  });
  afterAll(() => dropFileDatabase());
  const now = (): NonNullable<typeof current> => {
    if (current === undefined) throw new Error('useEngineStore: the store exists only inside a test');
    return current;
  };
  // On SQLite through the store's own connection, as a hand edit made while it is open would be seen.
  const sql = async (text: string) => {
    const { sqlite, location } = now();
    return sqlite === null ? runSql(engine, location.db, text) : runStatement(sqlite, text);
  };
  return {
    get db() {
      return now().location.db;
    },
    get store() {
      return now().store;
    },
    sql,
    changes: () => sql('SELECT id, time, actor, action, subject, details FROM change_log ORDER BY id'),
    factsSource: () => now().facts,
  };
}

/** One statement on its own connection to the store `db` of `engine`. */
export async function runSql(engine: Engine, db: string, text: string): Promise<Record<string, unknown>[]> {
  if (engine === 'sqlite') {
    const connection = new Database(db);
    try {
      return runStatement(connection, text);
    } finally {
      connection.close();
    }
  }
  const client = new Client({ connectionString: db });
  // BIGINT as numbers, as the store reads them, so rows compare equal across engines.
  client.setTypeParser(20, (value: string) => Number(value));
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(text)).rows;
  } finally {
    await client.end();
  }
}

function runStatement(connection: Database.Database, text: string): Record<string, unknown>[] {
  const statement = connection.prepare(text);
  if (!statement.reader) {
    statement.run();
    return [];
  }
  return statement.all() as Record<string, unknown>[];
}
