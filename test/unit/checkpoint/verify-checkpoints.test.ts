import crypto from 'node:crypto';
import { type Checkpoint, checkpointSignatureValid, signCheckpoint } from '../../../src/checkpoint/checkpoint';
import type { FoundCheckpoint } from '../../../src/checkpoint/read-checkpoints';
import { verifyCheckpoints } from '../../../src/checkpoint/verify-checkpoints';
import type { StoredChains } from '../../../src/store/chain-states';

const key = crypto.generateKeyPairSync('ed25519').privateKey;
const other = crypto.generateKeyPairSync('ed25519').privateKey;
const hash = (n: number): string => crypto.createHash('sha256').update(String(n)).digest('hex');

/** A decisions chain of `length` entries whose entry n has hash(n). */
function chainOf(length: number, rewrittenFrom = Infinity): StoredChains {
  return {
    length: (chain) => (chain === 'decisions' ? length : null),
    headAt: (chain, n) => (chain !== 'decisions' || n > length ? null : n >= rewrittenFrom ? hash(-n) : hash(n)),
  };
}

function checkpointAt(count: number, line: number, signer = key): FoundCheckpoint {
  const checkpoint: Checkpoint = { time: `2026-11-28T04:0${line}:00.000Z`, chains: [{ chain: 'decisions', count, head: hash(count) }] };
  return { line, signed: signCheckpoint(checkpoint, signer) };
}

describe('signed checkpoints', () => {
  it('verify with the signing key, and with the key they embed', () => {
    const { signed } = checkpointAt(3, 1);
    expect(checkpointSignatureValid(signed, crypto.createPublicKey(key))).toBe(true);
    expect(checkpointSignatureValid(signed)).toBe(true);
    expect(checkpointSignatureValid(signed, crypto.createPublicKey(other))).toBe(false);
  });

  it('do not verify once a count, head or time is changed', () => {
    const { signed } = checkpointAt(3, 1);
    const [state] = signed.checkpoint.chains;
    if (state === undefined) throw new Error('no chain');
    for (const checkpoint of [
      { ...signed.checkpoint, chains: [{ ...state, count: 2 }] },
      { ...signed.checkpoint, chains: [{ ...state, head: hash(2) }] },
      { ...signed.checkpoint, time: '2027-01-01T00:00:00.000Z' },
    ]) {
      expect(checkpointSignatureValid({ ...signed, checkpoint })).toBe(false);
    }
  });
});

describe('verifyCheckpoints', () => {
  const found = [checkpointAt(2, 1), checkpointAt(5, 2)];

  it('accepts a chain that is as long as or longer than every checkpoint and agrees with each', () => {
    expect(verifyCheckpoints(found, chainOf(5))).toMatchObject({ ok: true, checked: 2 });
    expect(verifyCheckpoints(found, chainOf(9), crypto.createPublicKey(key))).toMatchObject({ ok: true, checked: 2 });
  });

  it('fails a chain shorter than a checkpoint (truncated)', () => {
    expect(verifyCheckpoints(found, chainOf(4))).toEqual({
      ok: false,
      problem: 'the decisions chain has 4 entries, fewer than the 5 of the checkpoint at line 2 (2026-11-28T04:02:00.000Z): entries were deleted',
    });
  });

  it('fails a chain that differs from a checkpoint (rewritten)', () => {
    expect(verifyCheckpoints(found, chainOf(7, 4))).toEqual({
      ok: false,
      problem: 'the decisions chain differs from the checkpoint at line 2 (2026-11-28T04:02:00.000Z) at entry 5: it was rewritten after the checkpoint',
    });
  });

  it('fails a checkpoint signed by another key than the one given, or with a broken signature', () => {
    expect(verifyCheckpoints([checkpointAt(2, 1, other)], chainOf(5), crypto.createPublicKey(key))).toEqual({
      ok: false,
      problem: 'the checkpoint at line 1 (2026-11-28T04:01:00.000Z) is signed by another key than the given public key',
    });
    const [first] = found;
    if (first === undefined) throw new Error('no checkpoint');
    const forged = { ...first, signed: { ...first.signed, signature: Buffer.alloc(64).toString('base64') } };
    expect(verifyCheckpoints([forged], chainOf(5))).toEqual({
      ok: false,
      problem: 'the checkpoint at line 1 (2026-11-28T04:01:00.000Z) has an invalid signature (edited or forged)',
    });
  });

  it('fails when there is no checkpoint, or one names a chain the store does not keep', () => {
    expect(verifyCheckpoints([], chainOf(5))).toEqual({ ok: false, problem: 'no checkpoint found' });
    const checkpoint: Checkpoint = { time: '2026-11-28T04:00:00.000Z', chains: [{ chain: 'changes', count: 1, head: hash(1) }] };
    expect(verifyCheckpoints([{ line: 7, signed: signCheckpoint(checkpoint, key) }], chainOf(5))).toEqual({
      ok: false,
      problem: 'the checkpoint at line 7 (2026-11-28T04:00:00.000Z) names a chain this store does not keep: changes',
    });
  });
});
