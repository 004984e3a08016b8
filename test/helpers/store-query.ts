import fs from 'node:fs';
import Database from 'better-sqlite3';

// Reading a store back the way a test checks what a command or the server wrote: a read-only connection,
// opened and closed around each query, so the process under test keeps sole write access.

/** Rows of `sql`; none when the store file does not exist (a command refused before creating it). */
export function queryStore(dbPath: string, sql: string): unknown[] {
  if (!fs.existsSync(dbPath)) return [];
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

/** How many rows `table` holds; 0 when the store file does not exist. */
export function countRows(dbPath: string, table: string): number {
  const [row] = queryStore(dbPath, `SELECT count(*) AS n FROM ${table}`) as { n: number }[];
  return row?.n ?? 0;
}

/** The change log as users read it: who did what to which subject, with the details as stored. */
export function changeLogRows(dbPath: string): unknown[] {
  return queryStore(dbPath, 'SELECT actor, action, subject, details FROM change_log ORDER BY id');
}
