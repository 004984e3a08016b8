import type Database from 'better-sqlite3';
import { COPY_BATCH_ROWS, type CopyRow, type TableReader, type TableWriter } from '../store-tables';
import { rebuildDecisionRollups } from './rebuild-rollups';

// `store copy` on SQLite: the source is read in one read transaction (a consistent snapshot while a server may
// still be writing); the destination is written in one IMMEDIATE transaction, so a failed copy leaves it empty.

/** `findings` has no key both engines share: SQLite keeps the report's order in its rowid. */
const ROW_ORDER: Readonly<Record<string, string>> = { findings: 'rowid' };

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function tables(db: Database.Database): readonly string[] {
  return db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .all()
    .map((r) => r.name);
}

function columns(db: Database.Database, table: string): readonly string[] {
  return db
    .prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?) ORDER BY cid')
    .all(table)
    .map((r) => r.name);
}

export function sqliteTableReader(db: Database.Database): TableReader {
  db.exec('BEGIN');
  return {
    tables: async () => tables(db),
    columns: async (table) => columns(db, table),
    read: (table, cols, orderBy) => readBatches(db, table, cols, ROW_ORDER[table] === undefined ? orderBy : [ROW_ORDER[table]]),
    close: async () => {
      if (db.inTransaction) db.exec('COMMIT');
    },
  };
}

async function* readBatches(db: Database.Database, table: string, cols: readonly string[], orderBy: readonly string[]): AsyncGenerator<readonly CopyRow[]> {
  const statement = db.prepare(`SELECT ${cols.map(quote).join(', ')} FROM ${quote(table)} ORDER BY ${orderBy.map(quote).join(', ')}`).raw();
  let batch: CopyRow[] = [];
  for (const row of statement.iterate() as IterableIterator<unknown[]>) {
    batch.push(row);
    if (batch.length === COPY_BATCH_ROWS) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

export function sqliteTableWriter(db: Database.Database): TableWriter {
  return {
    tables: async () => tables(db),
    columns: async (table) => columns(db, table),
    count: async (table) => db.prepare<[], number>(`SELECT count(*) FROM ${quote(table)}`).pluck().get() ?? 0,
    begin: async () => void db.exec('BEGIN IMMEDIATE'),
    clear: async (table) => void db.prepare(`DELETE FROM ${quote(table)}`).run(),
    insert: async (table, cols, rows) => {
      const insert = db.prepare(`INSERT INTO ${quote(table)} (${cols.map(quote).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      for (const row of rows) insert.run(...row);
    },
    commit: async () => {
      rebuildDecisionRollups(db);
      db.exec('COMMIT');
    },
    rollback: async () => {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
    close: async () => void db.close(),
  };
}
