import type { PoolClient, QueryArrayConfig } from 'pg';
import { COPY_BATCH_ROWS, type TableReader, type TableWriter } from '../store-tables';
import { queryRows } from './postgres-pool';

// `store copy` on PostgreSQL: the source is read in one REPEATABLE READ transaction through a cursor (a consistent
// snapshot, in batches); the destination is written in one transaction, identity sequences moved past the copied ids.

/** `findings.id` only keeps the report's order (SQLite's rowid): used to order, never copied. */
const ROW_ORDER: Readonly<Record<string, string>> = { findings: 'id' };

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

async function tables(client: PoolClient): Promise<readonly string[]> {
  return (
    await queryRows<{ table_name: string }>(
      client,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
  ).map((r) => r.table_name);
}

async function columns(client: PoolClient, table: string): Promise<readonly string[]> {
  return (
    await queryRows<{ column_name: string }>(
      client,
      'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position',
      [table],
    )
  )
    .map((r) => r.column_name)
    .filter((name) => ROW_ORDER[table] !== name);
}

export async function postgresTableReader(client: PoolClient, release: () => Promise<void>): Promise<TableReader> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  let cursors = 0;
  return {
    tables: () => tables(client),
    columns: (table) => columns(client, table),
    read: async function* (table, cols, orderBy) {
      const cursor = `copy_${(cursors += 1)}`;
      const order = ROW_ORDER[table] === undefined ? orderBy : [ROW_ORDER[table]];
      await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${cols.map(quote).join(', ')} FROM ${quote(table)} ORDER BY ${order.map(quote).join(', ')}`);
      for (;;) {
        const fetch: QueryArrayConfig = { text: `FETCH ${COPY_BATCH_ROWS} FROM ${cursor}`, rowMode: 'array' };
        const result = await client.query<unknown[]>(fetch);
        if (result.rows.length === 0) break;
        yield result.rows;
      }
      await client.query(`CLOSE ${cursor}`);
    },
    close: async () => {
      await client.query('ROLLBACK').catch(() => undefined);
      await release();
    },
  };
}

/** PostgreSQL takes at most 65,535 parameters per statement. */
const MAX_PARAMETERS = 60_000;

export function postgresTableWriter(client: PoolClient, release: () => Promise<void>): TableWriter {
  return {
    tables: () => tables(client),
    columns: (table) => columns(client, table),
    count: async (table) => (await queryRows<{ n: number }>(client, `SELECT count(*) AS n FROM ${quote(table)}`))[0]?.n ?? 0,
    begin: async () => void (await client.query('BEGIN')),
    clear: async (table) => void (await client.query(`DELETE FROM ${quote(table)}`)),
    insert: async (table, cols, rows) => {
      const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / cols.length));
      for (let start = 0; start < rows.length; start += perStatement) {
        const chunk = rows.slice(start, start + perStatement);
        const values = chunk.map((_, r) => `(${cols.map((__, c) => `$${r * cols.length + c + 1}`).join(', ')})`).join(', ');
        await client.query(`INSERT INTO ${quote(table)} (${cols.map(quote).join(', ')}) VALUES ${values}`, chunk.flat());
      }
    },
    commit: async () => {
      await advanceIdentities(client);
      await client.query('COMMIT');
    },
    rollback: async () => void (await client.query('ROLLBACK').catch(() => undefined)),
    close: release,
  };
}

/** Rows inserted with their ids leave identity sequences behind: the next id a repository takes must follow them. */
async function advanceIdentities(client: PoolClient): Promise<void> {
  const identities = await queryRows<{ table_name: string; column_name: string }>(
    client,
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'",
  );
  for (const { table_name: table, column_name: column } of identities) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(${quote(column)}), 0) + 1, false) FROM ${quote(table)}`,
      [quote(table), column],
    );
  }
}
