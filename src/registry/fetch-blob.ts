// Blob requests (OCI distribution-spec "Pulling blobs"): the bytes a descriptor names, capped and digest-checked.
import { RegistryError } from '../errors';
import { verifyDigest } from './digest';
import type { Descriptor } from './parse-manifest';
import { type RegistryTarget, apiUrl, statusError } from './registry-target';

/**
 * The blob's exact bytes, refused when the descriptor announces more than `maxBytes` or the body does not hash to the
 * descriptor's digest. `what` names the blob in messages (`image config app@sha256:…`).
 */
export async function fetchBlob(target: RegistryTarget, blob: Descriptor, maxBytes: number, what: string): Promise<Buffer> {
  if (blob.size > maxBytes) throw new RegistryError(`${what} is ${blob.size} bytes, more than the ${maxBytes}-byte limit`);
  // Registries commonly answer blob GETs with a redirect to object storage; the transport follows it.
  const res = await target.auth.send(target.registry, target.path, {
    url: apiUrl(target, 'blobs', blob.digest),
    method: 'GET',
    headers: { accept: '*/*' },
    maxBytes,
    signal: target.signal,
  });
  if (res.status !== 200) throw statusError(target, res, what);
  verifyDigest(res.body, blob.digest, what, 'the manifest');
  return res.body;
}
