import type crypto from 'node:crypto';
import type { StoredChains } from '../store/chain-states';
import { checkpointSignatureValid, publicKeyId } from './checkpoint';
import type { FoundCheckpoint } from './read-checkpoints';

export type CheckpointVerdict =
  | { readonly ok: true; readonly checked: number; readonly newest: FoundCheckpoint }
  | { readonly ok: false; readonly problem: string };

/**
 * Checks the store against every checkpoint: each must be validly signed (by `publicKey`, else by the key it
 * embeds, which proves only that the line was not altered after signing), and each chain it names must be at
 * least as long as it says and have the same hash at that length. A store shorter than a checkpoint was
 * truncated; a different hash means the chain was rewritten after the checkpoint was taken.
 */
export function verifyCheckpoints(
  found: readonly FoundCheckpoint[],
  chains: StoredChains,
  publicKey?: crypto.KeyObject,
): CheckpointVerdict {
  const newest = found[found.length - 1];
  if (newest === undefined) return { ok: false, problem: 'no checkpoint found' };
  const wanted = publicKey === undefined ? undefined : publicKeyId(publicKey);
  for (const cp of found) {
    const where = `the checkpoint at line ${cp.line} (${cp.signed.checkpoint.time})`;
    if (wanted !== undefined && cp.signed.publicKey !== wanted) {
      return { ok: false, problem: `${where} is signed by another key than the given public key` };
    }
    if (!checkpointSignatureValid(cp.signed, publicKey)) {
      return { ok: false, problem: `${where} has an invalid signature (edited or forged)` };
    }
    for (const state of cp.signed.checkpoint.chains) {
      const length = chains.length(state.chain);
      if (length === null) return { ok: false, problem: `${where} names a chain this store does not keep: ${state.chain}` };
      if (length < state.count) {
        return {
          ok: false,
          problem: `the ${state.chain} chain has ${length} entries, fewer than the ${state.count} of ${where}: entries were deleted`,
        };
      }
      if (chains.headAt(state.chain, state.count) !== state.head) {
        return {
          ok: false,
          problem: `the ${state.chain} chain differs from ${where} at entry ${state.count}: it was rewritten after the checkpoint`,
        };
      }
    }
  }
  return { ok: true, checked: found.length, newest };
}
