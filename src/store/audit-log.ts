import { StoreError, errorMessage } from '../errors';
import type { DecisionRecord } from './decision-record';
import { type PendingAppend, queueAppend } from './queue-append';

export type { DecisionImage, DecisionRecord } from './decision-record';

// The review path's append-only audit role (STYLE 7), and the only audit writer. SPEC §6: a decision is
// committed durably before its response is sent, and concurrent reviews share commits. Appends made in the
// same turn of the event loop join one batch (setImmediate, after the I/O phase has handed every ready request
// its turn); while a batch commits, new appends wait and form the next one; a batch is capped so one commit
// stays short. A long turn is cut: once the committer is idle and the oldest waiting append has waited
// `maxWaitMs`, what has gathered is committed at once, while the turn goes on deciding the rest. Without the cut,
// reviews that arrive together stay together (a burst is decided, then committed while the event loop has
// nothing to do, then answered together and sent again together): at 16 connections the event loop idled a
// quarter of the time and throughput fell by a quarter (bench/RESULTS.md). Where the commit runs is the
// committer's business: `serve` commits in a worker thread
// (audit-thread-committer.ts), so an fsync or a wait for the CLI's write lock never stalls the event loop;
// tests and tools may commit inline (audit-inline-committer.ts). Both run audit-commit-session.ts.

/** Where a batch is committed. At most one call is in flight at a time. */
export interface AuditCommitter {
  /** One transaction: resolves with the batch's ids once committed, rejects when nothing of it was stored. */
  write(records: readonly DecisionRecord[], committedUpTo: number): Promise<readonly number[]>;
  /** A real commit that changes nothing; rejects with why the store cannot be written now. */
  probe(committedUpTo: number): Promise<void>;
  close(): Promise<void>;
}

export interface AuditWriter {
  /** Resolves with the decision id once the row is committed (fsync'd, `synchronous=FULL`). */
  append(record: DecisionRecord): Promise<number>;
  /** Resolves when everything appended so far has been committed or has failed. */
  flush(): Promise<void>;
  /** Refuses further appends, flushes, and closes the committer (the store itself stays with its owner). */
  close(): Promise<void>;
  stats(): AuditWriterStats;
  health(): AuditHealth;
  /** Commits nothing, but as a real transaction: resolves with the health it found (never rejects). */
  probe(timeoutMs: number): Promise<AuditHealth>;
  /** Calls `listener` after every committed batch (`/metrics`). */
  onCommit(listener: (commit: AuditCommit) => void): void;
}

/** One committed batch. */
export interface AuditCommit {
  readonly decisions: number;
  /** From the committer's start to its answer: on SQLite the writer thread's transaction, on PostgreSQL the round trips. */
  readonly seconds: number;
}

export interface AuditWriterStats {
  /** Decisions committed. */
  readonly appended: number;
  /** Transactions committed (fewer than `appended` when reviews shared commits). */
  readonly commits: number;
  /** Transactions that failed (every decision in them was rejected). */
  readonly failedCommits: number;
}

export interface AuditHealth {
  /** False from a failed commit until a later commit or probe succeeds. */
  readonly writable: boolean;
  /** Why the last commit or probe failed, while not writable. */
  readonly problem: string | null;
  /** Epoch ms of the last successful commit or probe, null before the first. */
  readonly lastOkAt: number | null;
  /** Epoch ms of the last failed commit (a review answered 500), null before any. */
  readonly lastFailedAt: number | null;
  /** Epoch ms when the commit in flight was started (a commit waiting for a lock), else null. */
  readonly busySince: number | null;
}

export interface AuditWriterOptions {
  /** Most decisions per transaction. */
  readonly maxBatch?: number;
  /** How long an append may wait for the end of its turn while the committer is idle (ms; Infinity: never cut a turn). */
  readonly maxWaitMs?: number;
  /** Epoch ms, for health. */
  readonly clock?: () => number;
  /** A monotonic ms time, for commit durations and `maxWaitMs`. */
  readonly monotonic?: () => number;
}

export const DEFAULT_MAX_BATCH = 512;
/**
 * The event loop's work for one or two reviews, a third of what a commit takes. Measured at 16 connections against
 * 0.25, 1 and 2 ms (bench/RESULTS.md): longer waits leave the committer idle, shorter ones make more, smaller commits.
 */
export const DEFAULT_MAX_WAIT_MS = 0.5;

// `since` is the clock's (epoch ms, for health); `started` a monotonic sub-millisecond time, for a commit's duration.
type Job =
  | { readonly kind: 'write'; readonly batch: readonly PendingAppend[]; readonly since: number; readonly started: number }
  | { readonly kind: 'probe'; readonly since: number };

export function createAuditWriter(committer: AuditCommitter, options: AuditWriterOptions = {}): AuditWriter {
  const maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH);
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const clock = options.clock ?? Date.now;
  const monotonic = options.monotonic ?? (() => performance.now());
  const queue: PendingAppend[] = [];
  const probeWaiters: ((h: AuditHealth) => void)[] = [];
  const idle: (() => void)[] = [];
  const commitListeners: ((commit: AuditCommit) => void)[] = [];
  const counts = { appended: 0, commits: 0, failedCommits: 0 };
  let health: Omit<AuditHealth, 'busySince'> = { writable: true, problem: null, lastOkAt: null, lastFailedAt: null };
  // The newest id committed: the store's head must never fall behind it (ids are never reused).
  let committedUpTo = 0;
  let job: Job | null = null;
  let scheduled = false;
  let closed = false;
  let probeWanted = false;
  // When the queue's oldest append was made, kept while the committer is idle (whenever it goes idle, it takes the
  // queue: an idle committer's queue holds only appends made since).
  let oldestWaiting = 0;

  function next(): void {
    if (job !== null) return;
    if (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      const started: Job = { kind: 'write', batch, since: clock(), started: monotonic() };
      job = started;
      committer.write(batch.map((p) => p.record), committedUpTo).then(
        (ids) => finish(started, ids),
        (err: unknown) => fail(started, errorMessage(err)),
      );
    } else if (probeWanted) {
      probeWanted = false;
      const started: Job = { kind: 'probe', since: clock() };
      job = started;
      committer.probe(committedUpTo).then(
        () => finish(started, []),
        (err: unknown) => fail(started, errorMessage(err)),
      );
    } else {
      idle.splice(0).forEach((wake) => wake());
    }
  }

  function finish(done: Job, ids: readonly number[]): void {
    job = null;
    health = { ...health, writable: true, problem: null, lastOkAt: clock() };
    if (done.kind === 'write') {
      counts.commits += 1;
      counts.appended += done.batch.length;
      committedUpTo = Math.max(committedUpTo, ...ids);
      done.batch.forEach((p, i) => p.resolve(ids[i] ?? 0));
      const commit = { decisions: done.batch.length, seconds: (monotonic() - done.started) / 1000 };
      for (const listener of commitListeners) listener(commit);
    }
    settled();
  }

  function fail(done: Job, problem: string): void {
    job = null;
    health = { ...health, writable: false, problem };
    if (done.kind === 'write') {
      health = { ...health, lastFailedAt: clock() };
      // Nothing of the batch was written (one transaction): every review in it answers 500 and the API
      // server retries. The next batch starts a fresh transaction on a fresh connection.
      counts.failedCommits += 1;
      const failure = new StoreError(`audit write failed: ${problem}`);
      done.batch.forEach((p) => p.reject(failure));
    }
    settled();
  }

  function settled(): void {
    // Any finished commit tells a waiting probe what it wants to know; no separate probe is then needed.
    probeWanted = false;
    probeWaiters.splice(0).forEach((wake) => wake(currentHealth()));
    next();
  }

  const schedule = (): void => {
    if (job !== null) return;
    if (queue.length > 1 && monotonic() - oldestWaiting >= maxWaitMs) {
      // The turn is still running (its end would have taken the queue): commit what it has decided so far.
      next();
      return;
    }
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      next();
    });
  };

  // An append: the first one into an idle committer's empty queue starts the wait the cut measures (a probe, which
  // schedules too, must not restart it).
  const appended = (): void => {
    if (job === null && queue.length === 1) oldestWaiting = monotonic();
    schedule();
  };

  const currentHealth = (): AuditHealth => ({ ...health, busySince: job === null ? null : job.since });

  const flush = (): Promise<void> =>
    queue.length === 0 && job === null && !scheduled ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));

  const probe = (timeoutMs: number): Promise<AuditHealth> =>
    new Promise<AuditHealth>((resolve) => {
      if (closed) {
        resolve({ ...health, writable: false, problem: 'the audit log is closed', busySince: null });
        return;
      }
      const timer = setTimeout(() => {
        const i = probeWaiters.indexOf(wake);
        if (i >= 0) probeWaiters.splice(i, 1);
        const problem = `no commit finished within ${timeoutMs} ms (store locked or disk stalled?)`;
        resolve({ ...currentHealth(), writable: false, problem });
      }, timeoutMs);
      const wake = (h: AuditHealth): void => {
        clearTimeout(timer);
        resolve(h);
      };
      // A commit in flight or queued answers the question as well as a probe would.
      probeWaiters.push(wake);
      probeWanted = true;
      schedule();
    });

  return {
    append: (record) => queueAppend(queue, record, closed, appended),
    flush,
    close: async () => {
      closed = true;
      await flush();
      await committer.close();
    },
    stats: () => ({ ...counts }),
    health: currentHealth,
    probe,
    onCommit: (listener) => void commitListeners.push(listener),
  };
}
