import type crypto from 'node:crypto';
import type { Logger } from '../logger';
import { CHECKPOINT_MSG, type ChainState, signCheckpoint } from './checkpoint';
import { errorMessage } from '../errors';

export interface CheckpointTimerOptions {
  readonly key: crypto.KeyObject;
  readonly intervalMs: number;
  /** The chains' current state; throws (or rejects) when a chain's head is not consistent (nothing is then signed). */
  readonly read: () => readonly ChainState[] | Promise<readonly ChainState[]>;
  readonly logger: Logger;
  readonly clock: () => number;
}

export interface CheckpointTimer {
  /** Signs and logs a checkpoint now (serve calls it once more at shutdown, after the last commit); never rejects. */
  write(reason: 'interval' | 'shutdown'): Promise<void>;
  stop(): void;
}

/** Logs a signed checkpoint of every chain each `intervalMs` (SPEC §6, §9): one JSON line, `msg: "checkpoint"`. */
export function startCheckpointTimer(options: CheckpointTimerOptions): CheckpointTimer {
  const write = async (reason: 'interval' | 'shutdown'): Promise<void> => {
    let chains: readonly ChainState[];
    try {
      chains = await options.read();
    } catch (err) {
      // Signing a head that does not continue the chain would anchor the damage; say why there is no checkpoint.
      options.logger.error('no checkpoint written: the audit chain is not consistent', { error: errorMessage(err) });
      return;
    }
    const signed = signCheckpoint({ time: new Date(options.clock()).toISOString(), chains }, options.key);
    options.logger.info(CHECKPOINT_MSG, { reason, ...signed });
  };
  const timer = setInterval(() => void write('interval'), options.intervalMs);
  // A checkpoint alone never keeps the process alive.
  timer.unref();
  return { write, stop: () => clearInterval(timer) };
}
