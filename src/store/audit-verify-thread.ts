// The body of the background verification thread (src/dashboard/background-verification.ts): `audit verify`'s own
// walk over a read-only connection of its own, so the server's event loop never waits for it.
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors';
import { verifyAuditChain, type VerifyResult } from './audit-verify';
import { openDatabase } from './open-database';

export type VerifyThreadReply = { readonly kind: 'verified'; readonly result: VerifyResult } | { readonly kind: 'failed'; readonly message: string };

function run(port: NonNullable<typeof parentPort>, file: string): void {
  let reply: VerifyThreadReply;
  try {
    const db = openDatabase(file, { readonly: true });
    try {
      reply = { kind: 'verified', result: verifyAuditChain(db) };
    } finally {
      db.close();
    }
  } catch (err) {
    reply = { kind: 'failed', message: errorMessage(err) };
  }
  port.postMessage(reply);
}

const data: unknown = workerData;
if (parentPort !== null && typeof data === 'object' && data !== null && 'file' in data && typeof data.file === 'string') {
  run(parentPort, data.file);
}
