// The audit writer `serve` uses: the AuditWriter contract of audit-log.ts (a decision id only once its row
// is committed with `synchronous=FULL`; concurrent reviews share commits, SPEC §6), with the commits made
// by a worker thread (worker-audit-thread.ts) holding its own connection. An inline commit blocks the
// event loop for the whole fsync (and, when the CLI holds the write lock, for up to the busy timeout);
// here reviews keep being parsed and decided while a batch commits, and they form the next batch.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { StoreError } from '../errors';
import { type AuditWriter, type AuditWriterStats, DEFAULT_MAX_BATCH } from './audit-log';
import { type PendingAppend, queueAppend } from './queue-append';
import { encodeRecords } from './encode-records';
import type { WriterReply, WriterRequest, WriterThreadData } from './worker-audit-thread';

export interface AuditHealth {
  /** False from a failed commit until a later commit or probe succeeds. */
  readonly writable: boolean;
  /** Why the last commit or probe failed, while not writable. */
  readonly problem: string | null;
  /** Epoch ms of the last successful commit or probe, null before the first. */
  readonly lastOkAt: number | null;
  /** Epoch ms of the last failed commit (a review answered 500), null before any. */
  readonly lastFailedAt: number | null;
  /** Epoch ms when the commit in flight was sent to the thread (a commit waiting for a lock), else null. */
  readonly busySince: number | null;
}

export interface WorkerAuditWriter extends AuditWriter {
  health(): AuditHealth;
  /** Commits nothing, but as a real transaction: resolves with the health it found (never rejects). */
  probe(timeoutMs: number): Promise<AuditHealth>;
}

export interface WorkerAuditWriterOptions {
  readonly maxBatch?: number;
  readonly clock?: () => number;
}


type Job = { readonly kind: 'write'; readonly batch: readonly PendingAppend[] } | { readonly kind: 'probe' };

/**
 * The thread's young generation, capped: it only decodes batches and hashes rows, and V8's default lets its
 * semi-spaces grow to 16 MB each under load, counted in the server's resident memory (SPEC §11: ≤ 150 MB).
 * Its old generation is left at V8's default (a cap there would make a big batch an out-of-memory crash).
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 6 };

/** The compiled thread script; it lives next to this file in dist/. */
const THREAD_SCRIPT = path.join(__dirname, 'worker-audit-thread.js');

export function createWorkerAuditWriter(file: string, options: WorkerAuditWriterOptions = {}): WorkerAuditWriter {
  const maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH);
  const clock = options.clock ?? Date.now;
  const queue: PendingAppend[] = [];
  const probeWaiters: ((h: AuditHealth) => void)[] = [];
  const idle: (() => void)[] = [];
  const counts = { appended: 0, commits: 0, failedCommits: 0 };
  let health: Omit<AuditHealth, 'busySince'> = { writable: true, problem: null, lastOkAt: null, lastFailedAt: null };
  let job: Job | null = null;
  let jobSince = 0;
  let scheduled = false;
  let closed = false;
  let probeWanted = false;
  let worker = startThread();

  function startThread(): Worker {
    const w = new Worker(THREAD_SCRIPT, { workerData: { file } satisfies WriterThreadData, resourceLimits: THREAD_LIMITS });
    w.unref();
    let crash = '';
    w.on('message', (reply: WriterReply) => finish(reply));
    // A thread that dies (out of memory, an uncaught error) fails its batch like a failed commit, and is
    // replaced: the next reviews are recorded by a fresh thread. 'exit' always follows 'error'.
    w.on('error', (err) => (crash = `: ${err.message}`));
    w.on('exit', (code) => {
      if (w !== worker || closed) return;
      worker = startThread();
      if (job !== null) finish({ kind: 'failed', message: `audit writer thread exited (${code})${crash}` });
      else next();
    });
    return w;
  }

  function post(request: WriterRequest, started: Job): void {
    job = started;
    jobSince = clock();
    // Kept referenced while a commit is in flight, so the process does not exit with reviews unanswered.
    worker.ref();
    worker.postMessage(request);
  }

  function next(): void {
    if (job !== null) return;
    if (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      post({ kind: 'write', records: encodeRecords(batch.map((p) => p.record)) }, { kind: 'write', batch });
    } else if (probeWanted) {
      probeWanted = false;
      post({ kind: 'probe' }, { kind: 'probe' });
    } else {
      worker.unref();
      idle.splice(0).forEach((wake) => wake());
    }
  }

  function finish(reply: WriterReply): void {
    const done = job;
    if (done === null || reply.kind === 'closed') return;
    job = null;
    if (reply.kind === 'failed') {
      health = { ...health, writable: false, problem: reply.message };
      if (done.kind === 'write') {
        health = { ...health, lastFailedAt: clock() };
        // Nothing of the batch was written (one transaction): every review in it answers 500 and the API
        // server retries. The next batch starts a fresh transaction on a fresh connection.
        counts.failedCommits += 1;
        const failure = new StoreError(`audit write failed: ${reply.message}`);
        done.batch.forEach((p) => p.reject(failure));
      }
    } else {
      health = { ...health, writable: true, problem: null, lastOkAt: clock() };
      if (done.kind === 'write' && reply.kind === 'written') {
        counts.commits += 1;
        counts.appended += done.batch.length;
        done.batch.forEach((p, i) => p.resolve(reply.ids[i] ?? 0));
      }
    }
    // Any finished commit tells a waiting probe what it wants to know; no separate probe is then needed.
    probeWanted = false;
    probeWaiters.splice(0).forEach((wake) => wake(currentHealth()));
    next();
  }

  // Appends made in the same turn of the event loop join one batch (after the I/O phase has handed every
  // ready request its turn); while a batch commits, new appends wait and form the next one.
  const schedule = (): void => {
    if (scheduled || job !== null) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      next();
    });
  };

  const currentHealth = (): AuditHealth => ({ ...health, busySince: job === null ? null : jobSince });

  const flush = (): Promise<void> =>
    queue.length === 0 && job === null && !scheduled ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));

  return {
    append: (record) => queueAppend(queue, record, closed, schedule),
    flush,
    close: async () => {
      closed = true;
      await flush();
      await new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage({ kind: 'close' } satisfies WriterRequest);
        worker.ref();
        // The thread closes its connection (checkpointing the WAL), then is stopped.
        worker.once('message', () => void worker.terminate());
      });
    },
    stats: (): AuditWriterStats => ({ ...counts }),
    health: currentHealth,
    probe: (timeoutMs) =>
      new Promise<AuditHealth>((resolve) => {
        if (closed) {
          resolve({ ...health, writable: false, problem: 'the audit log is closed', busySince: null });
          return;
        }
        // A commit in flight or queued answers the question as well as a probe would.
        const timer = setTimeout(() => {
          const i = probeWaiters.indexOf(wake);
          if (i >= 0) probeWaiters.splice(i, 1);
          const problem = `no commit finished within ${timeoutMs} ms (store locked or disk stalled?)`;
          resolve({ ...health, writable: false, problem, busySince: job === null ? null : jobSince });
        }, timeoutMs);
        const wake = (h: AuditHealth): void => {
          clearTimeout(timer);
          resolve(h);
        };
        probeWaiters.push(wake);
        probeWanted = true;
        schedule();
      }),
  };
}
