// The body of the background verification thread (src/dashboard/background-verification.ts): `audit verify`'s own
// walk over a read-only connection of its own (a SQLite connection, or a PostgreSQL pool), so the server's event loop
// never waits for it.
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors';
import type { VerifyResult } from './audit-verify';
import { openStoreAt } from './open-store';
import type { StoreLocation } from './store-location';

export type VerifyThreadReply = { readonly kind: 'verified'; readonly result: VerifyResult } | { readonly kind: 'failed'; readonly message: string };

async function run(port: NonNullable<typeof parentPort>, location: StoreLocation): Promise<void> {
  let reply: VerifyThreadReply;
  try {
    const store = await openStoreAt(location, 'read-only');
    try {
      reply = { kind: 'verified', result: await store.audit.verify() };
    } finally {
      await store.close();
    }
  } catch (err) {
    reply = { kind: 'failed', message: errorMessage(err) };
  }
  port.postMessage(reply);
}

const data: unknown = workerData;
if (parentPort !== null && typeof data === 'object' && data !== null && 'db' in data && typeof data.db === 'string' && 'env' in data) {
  void run(parentPort, { db: data.db, env: (data.env ?? {}) as NodeJS.ProcessEnv });
}
