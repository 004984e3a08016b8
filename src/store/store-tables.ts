// Raw table access for `store copy` (SPEC §7), whatever the engine: the one command that moves rows as they are
// (ids, hashes and all) rather than through the repositories, so the copy's chains are the source's chains.

export type CopyRow = readonly unknown[];

export interface TableReader {
  /** The store's tables, bookkeeping of the engine itself (sqlite_*) left out. */
  tables(): Promise<readonly string[]>;
  /** The table's columns in schema order, without the engine's own row-order column (see `orderBy`). */
  columns(table: string): Promise<readonly string[]>;
  /**
   * The rows of `columns`, in batches, in the table's stored order: its primary key, or for `findings` the order the
   * report listed them (SQLite's rowid, PostgreSQL's `id`), which no column that both engines share records.
   */
  read(table: string, columns: readonly string[], orderBy: readonly string[]): AsyncIterable<readonly CopyRow[]>;
  close(): Promise<void>;
}

export interface TableWriter {
  tables(): Promise<readonly string[]>;
  columns(table: string): Promise<readonly string[]>;
  /** Rows in the table (to check it is empty). */
  count(table: string): Promise<number>;
  /** Starts the one transaction the whole copy is written in. */
  begin(): Promise<void>;
  /** Removes the table's rows (only the chain heads, which a new store already holds). */
  clear(table: string): Promise<void>;
  insert(table: string, columns: readonly string[], rows: readonly CopyRow[]): Promise<void>;
  /**
   * Commits, after setting what the engine derives from the inserted rows (PostgreSQL's identity sequences, SQLite's
   * decision rollups; PostgreSQL's statement triggers count its rollups as the rows go in).
   */
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

/** Rows per batch read and written. */
export const COPY_BATCH_ROWS = 1000;
