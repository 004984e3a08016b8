import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { StoreError } from '../errors';
import { type AuditCommitter, type AuditWriter, type AuditWriterOptions, createAuditWriter } from './audit-log';
import type { AuditThreadData, AuditThreadReply, AuditThreadRequest } from './audit-thread';
import { encodeRecords } from './encode-records';
import { threadScript } from './thread-script';
import type { StoreIdentity } from './store-identity';

/**
 * The thread's young generation, capped: it only decodes batches and hashes rows, and V8's default lets its
 * semi-spaces grow to 16 MB each under load, counted in the server's resident memory. Its old generation is
 * left at V8's default (a cap there would make a big batch an out-of-memory crash).
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 6 };

type Waiting = { readonly resolve: (reply: AuditThreadReply) => void };

/**
 * Commits in a worker thread holding its own connection to `file` (audit-thread.ts). A thread that dies (out of
 * memory, an uncaught error) fails the request in flight like a failed commit, and is replaced: the next
 * reviews are recorded by a fresh thread.
 */
export function threadAuditCommitter(file: string, identity: StoreIdentity | null = null): AuditCommitter {
  const script = threadScript('audit-thread');
  if (!fs.existsSync(script)) throw new StoreError(`the audit writer thread ${script} is missing (run npm run build)`);
  let waiting: Waiting | null = null;
  let closing = false;
  let worker = start();

  function start(): Worker {
    const w = new Worker(script, { workerData: { file, identity } satisfies AuditThreadData, resourceLimits: THREAD_LIMITS });
    w.unref();
    let crash = '';
    w.on('message', (reply: AuditThreadReply) => settle(reply));
    // 'exit' always follows 'error'.
    w.on('error', (err) => (crash = `: ${err.message}`));
    w.on('exit', (code) => {
      if (w !== worker || closing) return;
      worker = start();
      settle({ kind: 'failed', message: `audit writer thread exited (${code})${crash}` });
    });
    return w;
  }

  function settle(reply: AuditThreadReply): void {
    const w = waiting;
    waiting = null;
    // Idle again: the process may exit (a commit in flight keeps it alive, so no review is left unanswered).
    worker.unref();
    w?.resolve(reply);
  }

  function request(message: AuditThreadRequest): Promise<AuditThreadReply> {
    return new Promise((resolve) => {
      waiting = { resolve };
      worker.ref();
      worker.postMessage(message);
    });
  }

  return {
    write: async (records, committedUpTo) => {
      const reply = await request({ kind: 'write', records: encodeRecords(records), committedUpTo });
      if (reply.kind === 'written') return reply.ids;
      throw new StoreError(reply.kind === 'failed' ? reply.message : `unexpected reply ${reply.kind}`);
    },
    probe: async (committedUpTo) => {
      const reply = await request({ kind: 'probe', committedUpTo });
      if (reply.kind !== 'probed') throw new StoreError(reply.kind === 'failed' ? reply.message : `unexpected reply ${reply.kind}`);
    },
    close: async () => {
      if (closing) return;
      closing = true;
      // The thread closes its connection (checkpointing the WAL), then is stopped.
      await request({ kind: 'close' });
      await worker.terminate();
    },
  };
}

/**
 * The audit writer `serve` uses: commits in a worker thread with its own connection to `file`, refused once the
 * path no longer names the file opened as `identity`.
 */
export function createThreadAuditWriter(file: string, identity: StoreIdentity | null, options: AuditWriterOptions = {}): AuditWriter {
  return createAuditWriter(threadAuditCommitter(file, identity), options);
}
