import type Database from 'better-sqlite3';
import { AppError, StoreError, errorMessage } from '../errors';
import { type BatchWriter, createBatchWriter } from './audit-batch';
import type { DecisionRecord } from './decision-record';
import { type PendingAppend, queueAppend } from './queue-append';

export type { DecisionImage, DecisionRecord } from './decision-record';

// The review path's append-only audit role (STYLE 7). SPEC §6: a decision is committed durably before
// its response is sent, and concurrent reviews share commits. Appends made while the event loop is busy
// are queued and written by one transaction (one fsync) on the next turn (setImmediate, after the
// I/O phase has handed every ready request its turn); a batch is capped so one commit stays short.

export interface AuditWriter {
  /** Resolves with the decision id once the row is committed (fsync'd, `synchronous=FULL`). */
  append(record: DecisionRecord): Promise<number>;
  /** Resolves when everything appended so far has been committed or has failed. */
  flush(): Promise<void>;
  /** Refuses further appends and flushes; the database stays open (its owner closes it). */
  close(): Promise<void>;
  stats(): AuditWriterStats;
}

export interface AuditWriterStats {
  /** Decisions committed. */
  readonly appended: number;
  /** Transactions committed (fewer than `appended` when reviews shared commits). */
  readonly commits: number;
  /** Transactions that failed (every decision in them was rejected). */
  readonly failedCommits: number;
}

export interface AuditWriterOptions {
  /** Most decisions per transaction. */
  readonly maxBatch?: number;
}

export const DEFAULT_MAX_BATCH = 512;


export function createAuditWriter(db: Database.Database, options: AuditWriterOptions = {}): AuditWriter {
  const maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH);
  const writeBatch = wrapStoreErrors(() => createBatchWriter(db), 'the audit log cannot be opened');
  const queue: PendingAppend[] = [];
  const idle: (() => void)[] = [];
  const counts = { appended: 0, commits: 0, failedCommits: 0 };
  let scheduled = false;
  let closed = false;

  const commit = (batch: readonly PendingAppend[]): void => {
    try {
      const ids = writeBatch(batch.map((p) => p.record));
      counts.commits += 1;
      counts.appended += batch.length;
      batch.forEach((p, i) => p.resolve(ids[i] ?? 0));
    } catch (err) {
      // Nothing of the batch was written (one transaction); every review in it fails with a 500 and the
      // API server retries. The next append starts a fresh transaction: no state survives a failure.
      counts.failedCommits += 1;
      const failure = new StoreError(`audit write failed: ${errorMessage(err)}`);
      batch.forEach((p) => p.reject(failure));
    }
  };

  const drain = (): void => {
    scheduled = false;
    commit(queue.splice(0, maxBatch));
    if (queue.length > 0) schedule();
    else idle.splice(0).forEach((wake) => wake());
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(drain);
  };

  const flush = (): Promise<void> =>
    queue.length === 0 && !scheduled ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));

  return {
    append: (record) => queueAppend(queue, record, closed, schedule),
    flush,
    close: () => {
      closed = true;
      return flush();
    },
    stats: () => ({ ...counts }),
  };
}

function wrapStoreErrors(create: () => BatchWriter, context: string): BatchWriter {
  try {
    return create();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new StoreError(`${context}: ${errorMessage(err)}`);
  }
}
