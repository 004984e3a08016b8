// The body of the audit writer thread (see worker-audit-writer.ts). It owns the store's only write
// connection on the review path and commits each batch it is sent as one transaction (group commit,
// SPEC §6). Being a thread, its fsync and any wait for another process's write lock (busy timeout)
// block only this thread: the event loop keeps parsing and deciding the next reviews meanwhile.
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { type BatchWriter, createBatchWriter } from './audit-batch';
import { errorMessage } from '../errors';
import { decodeRecords } from './encode-records';
import { openDatabase } from './open-database';

export interface WriterThreadData {
  readonly file: string;
}

export type WriterRequest =
  /**
   * The batch as JSON text (encode-records.ts): cloning one string costs the event loop a copy, where the
   * structured clone of the records' objects took a tenth of its time under load (cpu profile, bench/RESULTS.md).
   */
  | { readonly kind: 'write'; readonly records: string }
  | { readonly kind: 'probe' }
  | { readonly kind: 'close' };

export type WriterReply =
  | { readonly kind: 'written'; readonly ids: readonly number[] }
  | { readonly kind: 'probed' }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'closed' };

interface Connection {
  readonly db: Database.Database;
  readonly write: BatchWriter;
  readonly probe: Database.Statement;
}

function run(port: NonNullable<typeof parentPort>, data: WriterThreadData): void {
  let connection: Connection | null = null;

  // Opened lazily and again after a failure: a store that was unwritable at start (full disk, locked)
  // is retried with the next batch instead of leaving the server unable to record until restarted.
  const connect = (): Connection => {
    if (connection !== null) return connection;
    const db = openDatabase(data.file);
    try {
      // Rewrites one row with its own value: a real commit (WAL append and fsync) that changes nothing,
      // so readiness learns whether the store is writable now, not only whether the last batch was.
      const probe = db.prepare("UPDATE meta SET value = value WHERE key = 'facts_generation'");
      connection = { db, write: createBatchWriter(db), probe };
      return connection;
    } catch (err) {
      db.close();
      throw err;
    }
  };

  const reset = (): void => {
    try {
      connection?.db.close();
    } catch {
      // The connection is being dropped because it failed; closing it may fail the same way.
    }
    connection = null;
  };

  port.on('message', (request: WriterRequest) => {
    if (request.kind === 'close') {
      reset();
      port.postMessage({ kind: 'closed' } satisfies WriterReply);
      return;
    }
    try {
      const c = connect();
      if (request.kind === 'probe') {
        c.db.transaction(() => c.probe.run()).immediate();
        port.postMessage({ kind: 'probed' } satisfies WriterReply);
      } else {
        port.postMessage({ kind: 'written', ids: c.write(decodeRecords(request.records)) } satisfies WriterReply);
      }
    } catch (err) {
      // The transaction rolled back; nothing of the batch is stored. A fresh connection next time
      // clears whatever state the failure left (SQLite recommends it after I/O errors).
      reset();
      port.postMessage({ kind: 'failed', message: errorMessage(err) } satisfies WriterReply);
    }
  });
}

if (parentPort !== null) run(parentPort, workerData as WriterThreadData);
