import type { Store, StoreMode } from '../store/store';
import { openStoreAt } from '../store/open-store';
import type { CliContext } from './context';

/**
 * Opens the command's store (`--db`, a SQLite file or a postgres:// URL) in `mode` (see StoreMode), runs `use` with
 * it and closes it, however `use` ends. Commands open the store only after their flags are checked and any registry
 * has answered, so a usage error touches no store and a slow registry holds no connection.
 */
export async function withStore<T>(ctx: CliContext, mode: StoreMode, use: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStoreAt({ db: ctx.dbPath(), env: ctx.io.env }, mode);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
