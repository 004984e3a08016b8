// Content digests (OCI image-spec descriptor.md "Digests"): `algorithm:hex` over the exact bytes served.
import { createHash } from 'node:crypto';
import { RegistryError } from '../errors';

/** The algorithms the client can verify, with their hex length (go-digest registered algorithms). */
const ALGORITHMS: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha512', 128],
]);

export function isDigest(value: string): boolean {
  const colon = value.indexOf(':');
  if (colon === -1) return false;
  const length = ALGORITHMS.get(value.slice(0, colon));
  return length !== undefined && new RegExp(`^[a-f0-9]{${length}}$`).test(value.slice(colon + 1));
}

export function computeDigest(body: Buffer, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
}

/** Throws when `body` does not hash to `expected`; `what` names the document and `source` where the digest came from. */
export function verifyDigest(body: Buffer, expected: string, what: string, source: string): void {
  if (!isDigest(expected)) throw new RegistryError(`${what}: ${source} ${JSON.stringify(expected.slice(0, 140))} is not a sha256/sha512 digest`);
  const algorithm = expected.slice(0, expected.indexOf(':'));
  const actual = computeDigest(body, algorithm);
  if (actual !== expected) throw new RegistryError(`${what}: content has digest ${actual}, but ${source} says ${expected}`);
}
