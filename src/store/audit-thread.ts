// The body of the audit writer thread (audit-thread-committer.ts): it owns the store's only write connection
// on the review path and runs the commit session (audit-commit-session.ts) for each request it is sent.
// Being a thread, its fsync and any wait for another process's write lock (busy timeout) block only this
// thread: the event loop keeps parsing and deciding the next reviews meanwhile.
import { parentPort, workerData } from 'node:worker_threads';
import { createAuditCommitSession } from './audit-commit-session';
import { decodeRecords } from './encode-records';
import { StoreError, errorMessage } from '../errors';
import { openDatabase } from './open-database';
import { type StoreIdentity, storeIdentityProblem } from './store-identity';
import type { WriterIdentity } from './writer-identity';

export interface AuditThreadData {
  readonly file: string;
  /** The store file the server opened: commits are refused once the path names another (store-identity.ts). */
  readonly identity: StoreIdentity | null;
  /** Whose chain the decisions are appended to. */
  readonly writer: WriterIdentity;
}

export type AuditThreadRequest =
  /**
   * The batch as JSON text (encode-records.ts): cloning one string costs the event loop a copy, where the
   * structured clone of the records' objects took a tenth of its time under load (cpu profile, bench/RESULTS.md).
   */
  | { readonly kind: 'write'; readonly records: string; readonly committedUpTo: number }
  | { readonly kind: 'probe'; readonly committedUpTo: number }
  | { readonly kind: 'close' };

export type AuditThreadReply =
  | { readonly kind: 'written'; readonly ids: readonly number[] }
  | { readonly kind: 'probed' }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'closed' };

function run(port: NonNullable<typeof parentPort>, data: AuditThreadData): void {
  const { file, identity, writer } = data;
  const session = createAuditCommitSession({
    open: () => openDatabase(file),
    release: (db) => db.close(),
    check: () => {
      const problem = identity === null ? null : storeIdentityProblem(file, identity);
      if (problem !== null) throw new StoreError(problem);
    },
  }, writer);
  port.on('message', (request: AuditThreadRequest) => {
    if (request.kind === 'close') {
      session.close();
      port.postMessage({ kind: 'closed' } satisfies AuditThreadReply);
      return;
    }
    try {
      if (request.kind === 'probe') {
        session.probe(request.committedUpTo);
        port.postMessage({ kind: 'probed' } satisfies AuditThreadReply);
      } else {
        const ids = session.write(decodeRecords(request.records), request.committedUpTo);
        port.postMessage({ kind: 'written', ids } satisfies AuditThreadReply);
      }
    } catch (err) {
      port.postMessage({ kind: 'failed', message: errorMessage(err) } satisfies AuditThreadReply);
    }
  });
}

if (parentPort !== null) run(parentPort, workerData as AuditThreadData);
