// Manifest requests (OCI distribution-spec "Pulling manifests"): HEAD for a digest alone, GET for the body.
import { RegistryError } from '../errors';
import { computeDigest, isDigest, verifyDigest } from './digest';
import { MANIFEST_ACCEPT, baseMediaType } from './media-types';
import { type Manifest, parseManifest } from './parse-manifest';
import { type RegistryTarget, apiUrl, statusError } from './registry-target';

export interface FetchedManifest {
  readonly digest: string;
  readonly manifest: Manifest;
}

export interface ManifestRequest {
  /** A tag or a digest. */
  readonly reference: string;
  /** The digest the body must hash to (a digest reference or an index entry), or null for a tag. */
  readonly expectedDigest: string | null;
  /** The size an index entry announced, checked against the body. */
  readonly expectedSize: number | null;
  /** Names the manifest in messages: `manifest docker.io/library/nginx:1.27`. */
  readonly what: string;
  readonly maxBytes: number;
}

/**
 * HEAD: the digest from `Docker-Content-Digest` without a body. Returns null when the registry gives no
 * usable digest header (the header is optional for registries: OCI distribution-spec), so the caller GETs.
 */
export async function headManifestDigest(target: RegistryTarget, request: ManifestRequest): Promise<{ readonly digest: string; readonly mediaType: string | null } | null> {
  const res = await target.auth.send(target.registry, target.path, {
    url: apiUrl(target, 'manifests', request.reference),
    method: 'HEAD',
    headers: { accept: MANIFEST_ACCEPT },
    maxBytes: 0,
    signal: target.signal,
  });
  // Some registries and proxies do not implement HEAD; GET gives the same answer with a body.
  if (res.status === 405 || res.status === 501) return null;
  if (res.status !== 200) throw statusError(target, res, request.what);
  const digest = res.headers.get('docker-content-digest')?.trim();
  if (digest === undefined || !isDigest(digest)) return null;
  if (request.expectedDigest !== null && digest !== request.expectedDigest) {
    throw new RegistryError(`${request.what}: registry ${target.registry} answered with digest ${digest}`);
  }
  return { digest, mediaType: baseMediaType(res.headers.get('content-type')) };
}

/** GET and verify: the body must hash to `Docker-Content-Digest` and to the expected digest, when either is known. */
export async function fetchManifest(target: RegistryTarget, request: ManifestRequest): Promise<FetchedManifest> {
  const res = await target.auth.send(target.registry, target.path, {
    url: apiUrl(target, 'manifests', request.reference),
    method: 'GET',
    headers: { accept: MANIFEST_ACCEPT },
    maxBytes: request.maxBytes,
    signal: target.signal,
  });
  if (res.status !== 200) throw statusError(target, res, request.what);
  const headerDigest = res.headers.get('docker-content-digest')?.trim();
  if (headerDigest !== undefined && headerDigest !== '') verifyDigest(res.body, headerDigest, request.what, 'Docker-Content-Digest');
  if (request.expectedDigest !== null) verifyDigest(res.body, request.expectedDigest, request.what, 'the reference');
  if (request.expectedSize !== null && res.body.length !== request.expectedSize) {
    throw new RegistryError(`${request.what} is ${res.body.length} bytes, but the index says ${request.expectedSize}`);
  }
  const manifest = parseManifest(res.body, res.headers.get('content-type'), request.what);
  const digest = request.expectedDigest ?? (headerDigest !== undefined && headerDigest !== '' ? headerDigest : computeDigest(res.body));
  return { digest, manifest };
}
