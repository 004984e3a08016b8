import { StoreError } from '../errors';
import { openSqliteStore } from './sqlite/open-sqlite-store';
import type { Store, StoreMode } from './store';
import { type StoreLocation, isPostgresUrl } from './store-location';

/**
 * Opens the store `--db` names (SPEC §6, §7): a `postgres://` URL is a PostgreSQL database, anything else a SQLite
 * file. The one place the engine is chosen; commands and the server work through the Store interface either way.
 */
export async function openStoreAt(location: StoreLocation, mode: StoreMode): Promise<Store> {
  if (isPostgresUrl(location.db)) {
    // Loaded only for a PostgreSQL store: a SQLite process never carries the driver.
    const { openPostgresStore } = await import('./postgres/open-postgres-store');
    return openPostgresStore(location, mode);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location.db)) {
    throw new StoreError(`--db ${location.db.replace(/\/\/.*$/, '//…')} is neither a file path nor a postgres:// URL`);
  }
  return openSqliteStore(location.db, mode);
}
