import crypto from 'node:crypto';

// Signed checkpoints (SPEC §6): the state of each hash chain — how many entries, and the hash of the newest —
// signed with an Ed25519 key kept outside the store and written to the JSON log, which is shipped elsewhere
// (Fluentd). A chain inside the store cannot prove its own length; a checkpoint held outside can: a store
// whose chain is shorter than, or differs from, any checkpoint was truncated or rewritten. This is what
// Certificate Transparency's signed tree heads do for its logs (RFC 6962 §3.5).

/** The state of one chain: `count` entries, the newest with hash `head` (hex). */
export interface ChainState {
  readonly chain: string;
  readonly count: number;
  readonly head: string;
}

export interface Checkpoint {
  /** ISO-8601 time of the checkpoint. */
  readonly time: string;
  readonly chains: readonly ChainState[];
}

/** A checkpoint as logged: `checkpoint`, the signer's public key (base64 SPKI DER) and the signature (base64). */
export interface SignedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly publicKey: string;
  readonly signature: string;
}

/** The log line's `msg`. */
export const CHECKPOINT_MSG = 'checkpoint';

/**
 * The bytes signed: a domain label (a signature over these bytes means nothing in any other protocol), then the
 * checkpoint re-serialised with a fixed key order, so a log pipeline that re-orders keys or re-indents the line
 * does not break the signature.
 */
function signedBytes(checkpoint: Checkpoint): Buffer {
  const canonical = JSON.stringify({
    time: checkpoint.time,
    chains: checkpoint.chains.map((c) => ({ chain: c.chain, count: c.count, head: c.head })),
  });
  return Buffer.from(`image-reviewer checkpoint v1\n${canonical}`, 'utf8');
}

export function signCheckpoint(checkpoint: Checkpoint, privateKey: crypto.KeyObject): SignedCheckpoint {
  const publicKey = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
  const signature = crypto.sign(null, signedBytes(checkpoint), privateKey).toString('base64');
  return { checkpoint, publicKey, signature };
}

/** Whether `signed` was signed by `publicKey` (the key embedded in it when none is given). */
export function checkpointSignatureValid(signed: SignedCheckpoint, publicKey?: crypto.KeyObject): boolean {
  let key = publicKey;
  try {
    key ??= crypto.createPublicKey({ key: Buffer.from(signed.publicKey, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return crypto.verify(null, signedBytes(signed.checkpoint), key, Buffer.from(signed.signature, 'base64'));
  } catch {
    // An embedded key or signature that does not decode is a forged or damaged line.
    return false;
  }
}

/** The embedded key in the same form as `SignedCheckpoint.publicKey`, to compare with an operator's key. */
export function publicKeyId(key: crypto.KeyObject): string {
  return key.export({ format: 'der', type: 'spki' }).toString('base64');
}
