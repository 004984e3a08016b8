import { openDatabase } from './open-database';
import { openPostgresPool } from './postgres/postgres-pool';
import { postgresTableReader, postgresTableWriter } from './postgres/postgres-tables';
import { sqliteTableReader, sqliteTableWriter } from './sqlite/sqlite-tables';
import { type StoreLocation, isPostgresUrl } from './store-location';
import type { TableReader, TableWriter } from './store-tables';

// Raw table access for `store copy`, on a connection of its own. Opened after the store itself was opened through
// openStoreAt (which checked that it exists and is migrated), so these only read or write rows.

export async function openTableReader(location: StoreLocation): Promise<TableReader> {
  if (!isPostgresUrl(location.db)) return sqliteTableReader(openDatabase(location.db, { readonly: true }));
  const pool = openPostgresPool(location, { max: 1, readOnly: true });
  const { client, release } = await pool.acquire();
  return postgresTableReader(client, async () => {
    release();
    await pool.end();
  });
}

export async function openTableWriter(location: StoreLocation): Promise<TableWriter> {
  if (!isPostgresUrl(location.db)) return sqliteTableWriter(openDatabase(location.db));
  const pool = openPostgresPool(location, { max: 1, readOnly: false });
  const { client, release } = await pool.acquire();
  return postgresTableWriter(client, async () => {
    release();
    await pool.end();
  });
}
