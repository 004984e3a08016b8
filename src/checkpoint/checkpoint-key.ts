import crypto from 'node:crypto';
import fs from 'node:fs';
import { InvalidInputError, errorMessage } from '../errors';

// The checkpoint signing key: Ed25519 (node:crypto), the private key as PKCS#8 PEM in a file only its owner can
// read, kept outside the store (a key stored beside the chain would let whoever rewrites the chain re-sign it).

/** Writes a new private key to `file` (mode 0600, never over an existing file); returns the public key (PEM). */
export function generateCheckpointKey(file: string): string {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
  try {
    fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const exists = typeof err === 'object' && err !== null && 'code' in err && err.code === 'EEXIST';
    throw new InvalidInputError(exists ? `${file} already exists; refusing to replace a key` : `cannot write ${file}: ${errorMessage(err)}`);
  }
  return publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

/** The private key in `file`, which must be Ed25519. */
export function readCheckpointKey(file: string): crypto.KeyObject {
  const key = readKey(file, 'checkpoint key', (text) => crypto.createPrivateKey(text));
  return requireEd25519(key, file);
}

/** The public key in `file` (a private key file gives its public half). */
export function readCheckpointPublicKey(file: string): crypto.KeyObject {
  const key = readKey(file, 'public key', (text) => crypto.createPublicKey(text));
  return requireEd25519(key, file);
}

function readKey(file: string, what: string, parse: (text: string) => crypto.KeyObject): crypto.KeyObject {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read the ${what} ${file}: ${errorMessage(err)}`);
  }
  try {
    return parse(text);
  } catch (err) {
    throw new InvalidInputError(`${file} is not a PEM ${what}: ${errorMessage(err)}`);
  }
}

function requireEd25519(key: crypto.KeyObject, file: string): crypto.KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new InvalidInputError(`${file} is a ${key.asymmetricKeyType ?? 'unknown'} key; checkpoints use Ed25519 (checkpoint keygen)`);
  }
  return key;
}
