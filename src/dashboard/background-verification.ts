import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger';
import type { ChainVerification } from '../service/chain-verification';
import type { VerifyThreadReply } from '../store/audit-verify-thread';
import { threadScript } from '../store/thread-script';
import type { StoreLocation } from '../store/store-location';

// The dashboard shows "chain verified up to decision N at time T" (issue 15) from a verification run in the
// background, never from a walk per page: the whole chain is walked in a worker thread at start, then again after a
// pause of `minIntervalMs` or 20 times the last walk's duration, whichever is longer, so the walks (minutes on a
// 10,000,000-decision store) take at most a twentieth of one core, and a small store is verified every minute.

export interface BackgroundVerification {
  current(): ChainVerification;
  stop(): void;
}

export interface BackgroundVerificationOptions {
  /** The store the thread opens, read-only, on a connection of its own (either engine). */
  readonly location: StoreLocation;
  readonly minIntervalMs: number;
  readonly clock: () => number;
  readonly logger: Logger;
}

export function startBackgroundVerification(options: BackgroundVerificationOptions): BackgroundVerification {
  const script = threadScript('audit-verify-thread');
  let state: ChainVerification = { state: 'not-run', reason: 'the first verification of the chain is running' };
  if (options.location.db === ':memory:' || !fs.existsSync(script)) {
    state = { state: 'not-run', reason: 'the chain is not verified in the background for this store' };
    return { current: () => state, stop: () => undefined };
  }
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let worker: Worker | null = null;
  const run = (): void => {
    const started = options.clock();
    worker = new Worker(script, { workerData: { db: options.location.db, env: { ...options.location.env } } });
    // A verification never keeps the process alive.
    worker.unref();
    worker.once('message', (reply: VerifyThreadReply) => {
      state = toState(reply, options.clock());
      if (state.state === 'broken') options.logger.error('background audit verification found a problem', { problem: state.problem, firstBadId: state.firstBadId });
    });
    worker.once('error', (err) => options.logger.warn('background audit verification failed', { error: err.message }));
    worker.once('exit', () => {
      worker = null;
      if (stopped) return;
      timer = setTimeout(run, Math.max(options.minIntervalMs, 20 * (options.clock() - started)));
      timer.unref();
    });
  };
  run();
  return {
    current: () => state,
    stop: () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      void worker?.terminate();
    },
  };
}

function toState(reply: VerifyThreadReply, now: number): ChainVerification {
  if (reply.kind === 'failed') return { state: 'not-run', reason: `the last verification could not run: ${reply.message}` };
  const { result } = reply;
  if (result.ok) return { state: 'verified', upTo: result.rows, at: now };
  return { state: 'broken', firstBadId: result.firstBadId, problem: result.problem, at: now };
}
