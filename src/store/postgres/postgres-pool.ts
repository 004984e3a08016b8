import { type ClientBase, Pool, type PoolClient, type QueryResultRow, TypeOverrides, types } from 'pg';
import { AppError, StoreError, errorMessage } from '../../errors';
import { type StoreLocation, describeStore } from '../store-location';
import { postgresClientConfig } from './postgres-config';

// The connection pool of one store, and the two ways repositories use it: a single statement, or a transaction.
// pg errors become StoreErrors naming the store (password redacted); the repositories' own errors (NotFoundError)
// pass through unchanged.

/** A pool or a transaction's client: what a query runs on. */
export type Queryable = Pick<ClientBase, 'query'>;

export interface PostgresPool {
  /** The store as messages name it (describeStore: no password). */
  readonly name: string;
  /** Rows of one statement, run on any pooled connection. */
  rows<R extends QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T>;
  /** One connection held until `release` (a cursor, a long transaction); errors are the caller's to map. */
  acquire(): Promise<{ readonly client: PoolClient; release(): void }>;
  /** Runs `work` with one connection of its own (advisory locks are held per connection). */
  withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T>;
  end(): Promise<void>;
}

export interface PostgresPoolOptions {
  /** Most connections at once; a CLI command needs one or two. */
  readonly max: number;
  /** Every transaction read-only (`default_transaction_read_only`): the read-only commands never write by mistake. */
  readonly readOnly: boolean;
}

/**
 * BIGINT (int8) columns hold epoch milliseconds and row ids, which JavaScript numbers hold exactly below 2^53; pg
 * returns them as strings by default. A value beyond that range is refused rather than rounded.
 */
const TYPES = new TypeOverrides();
TYPES.setTypeParser(types.builtins.INT8, (text: string): number => {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new StoreError(`a stored integer (${text}) is outside the range image-reviewer reads`);
  return value;
});

export function openPostgresPool(location: StoreLocation, options: PostgresPoolOptions): PostgresPool {
  const name = describeStore(location.db);
  const config = postgresClientConfig(location);
  const readOnly = options.readOnly ? '-c default_transaction_read_only=on' : undefined;
  const pool = new Pool({
    ...config,
    max: options.max,
    types: TYPES,
    connectionTimeoutMillis: 10_000,
    // Added to the URL's own `options` (a search_path, say), not instead of them.
    options: [config.options, readOnly].filter((o) => o !== undefined && o !== '').join(' ') || undefined,
  });
  // An idle connection dropped by the server (a restart, a failover) is discarded by the pool; without a listener
  // its 'error' event would end the process.
  pool.on('error', () => undefined);
  const fail = (err: unknown): never => {
    if (err instanceof AppError) throw err;
    throw new StoreError(`store ${name}: ${errorMessage(err)}`);
  };
  const withClient = async <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect().catch(fail);
    try {
      return await work(client);
    } catch (err) {
      return fail(err);
    } finally {
      client.release();
    }
  };
  return {
    name,
    rows: async <R extends QueryResultRow>(sql: string, params: readonly unknown[] = []): Promise<R[]> => {
      const result = await pool.query<R>(sql, [...params]).catch(fail);
      return result.rows;
    },
    transaction: (work) =>
      withClient(async (client) => {
        await client.query('BEGIN');
        try {
          const result = await work(client);
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    withClient,
    acquire: async () => {
      const client = await pool.connect().catch(fail);
      return { client, release: () => client.release() };
    },
    end: () => pool.end(),
  };
}

/** Rows of one statement on a transaction's client. */
export async function queryRows<R extends QueryResultRow>(client: Queryable, sql: string, params: readonly unknown[] = []): Promise<R[]> {
  const result = await client.query<R>(sql, [...params]);
  return result.rows;
}
