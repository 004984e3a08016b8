// Where cosign keeps an image's signatures (SPEC §8): the tag `sha256-<hex>.sig` (one layer per signature, "simple
// signing" payload as the layer blob, signature and certificates in layer annotations), and OCI 1.1 referrers holding
// Sigstore bundles (`GET /v2/<name>/referrers/<digest>`, or the referrers tag `sha256-<hex>` where the registry has no
// referrers API). Every answer is untrusted: sizes are capped, blobs digest-checked, and a broken artifact becomes a
// problem string (no evidence), never an exception that could turn into an allow or a crash.
import { RegistryError, RegistryNotFoundError, errorMessage } from '../errors';
import { fetchBlob } from './fetch-blob';
import { type FetchedManifest, fetchManifest } from './fetch-manifest';
import { OCI_INDEX } from './media-types';
import { type Descriptor, parseManifest } from './parse-manifest';
import { type RegistryTarget, apiUrl, statusError } from './registry-target';

export const COSIGN_SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
const CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
const REKOR_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';

/** One layer of a `.sig` manifest: the payload's exact bytes (never re-serialised) and what its annotations say. */
export interface CosignSignature {
  readonly payload: Buffer;
  /** Base64 of the DER signature over `payload`. */
  readonly signature: string;
  /** PEM Fulcio certificate and chain (keyless), when present. */
  readonly certificate: string | null;
  readonly chain: string | null;
  /** The Rekor entry cosign attached (`{"SignedEntryTimestamp", "Payload": {…}}`), when present. */
  readonly rekorBundle: string | null;
}

export type SignatureArtifact =
  | { readonly kind: 'cosign'; readonly digest: string; readonly signatures: readonly CosignSignature[] }
  | { readonly kind: 'bundle'; readonly digest: string; readonly bundle: Buffer };

export interface FoundSignatures {
  readonly artifacts: readonly SignatureArtifact[];
  /** What could not be used, in words (`.sig layers[1]: content has digest …`), for the failure message. */
  readonly problems: readonly string[];
}

export interface SignatureLimits {
  /** Cap for a signature manifest, a referrers index and each signature blob (default 1 MiB). */
  readonly maxBytes: number;
  /** Layers of a `.sig` manifest and referrers looked at; more are a problem, not more work. */
  readonly maxEntries: number;
}

export async function fetchSignatureArtifacts(target: RegistryTarget, digest: string, limits: SignatureLimits): Promise<FoundSignatures> {
  const tagged = `sha256-${digest.slice(digest.indexOf(':') + 1)}`;
  const [cosign, referrers] = await Promise.all([
    collect(target, () => cosignSignatures(target, `${tagged}.sig`, limits)),
    collect(target, () => referrerBundles(target, digest, tagged, limits)),
  ]);
  return { artifacts: [...cosign.artifacts, ...referrers.artifacts], problems: [...cosign.problems, ...referrers.problems] };
}

/** A deadline or a caller's abort is not a problem of the artifact: it propagates, so the caller can say "timed out". */
async function collect(target: RegistryTarget, fetch: () => Promise<FoundSignatures>): Promise<FoundSignatures> {
  try {
    return await fetch();
  } catch (err) {
    if (target.signal.aborted) throw err;
    return { artifacts: [], problems: [errorMessage(err)] };
  }
}

async function cosignSignatures(target: RegistryTarget, tag: string, limits: SignatureLimits): Promise<FoundSignatures> {
  const what = `signature manifest ${target.repository}:${tag}`;
  const fetched = await fetchIfPresent(target, tag, what, limits);
  if (fetched === null) return { artifacts: [], problems: [] };
  if (fetched.manifest.kind !== 'image') throw new RegistryError(`${what} is an index, not a signature manifest`);
  const problems: string[] = [];
  const layers = fetched.manifest.layers.filter((layer) => layer.mediaType === COSIGN_SIMPLE_SIGNING);
  if (layers.length > limits.maxEntries) problems.push(`${what} has ${layers.length} signatures; only the first ${limits.maxEntries} are read`);
  const signatures: CosignSignature[] = [];
  for (const [index, layer] of layers.slice(0, limits.maxEntries).entries()) {
    try {
      signatures.push(await cosignSignature(target, layer, limits, `${what} layers[${index}]`));
    } catch (err) {
      if (target.signal.aborted) throw err;
      problems.push(errorMessage(err));
    }
  }
  return { artifacts: signatures.length === 0 ? [] : [{ kind: 'cosign', digest: fetched.digest, signatures }], problems };
}

async function cosignSignature(target: RegistryTarget, layer: Descriptor, limits: SignatureLimits, what: string): Promise<CosignSignature> {
  const signature = layer.annotations.get(SIGNATURE_ANNOTATION);
  if (signature === undefined || signature === '') throw new RegistryError(`${what} has no ${SIGNATURE_ANNOTATION} annotation`);
  const payload = await fetchBlob(target, layer, limits.maxBytes, `${what} payload`);
  return {
    payload,
    signature,
    certificate: layer.annotations.get(CERTIFICATE_ANNOTATION) ?? null,
    chain: layer.annotations.get(CHAIN_ANNOTATION) ?? null,
    rekorBundle: layer.annotations.get(REKOR_BUNDLE_ANNOTATION) ?? null,
  };
}

async function referrerBundles(target: RegistryTarget, digest: string, tag: string, limits: SignatureLimits): Promise<FoundSignatures> {
  const listed = await listReferrers(target, digest, tag, limits);
  const bundles = listed.filter((entry) => entry.artifactType === SIGSTORE_BUNDLE);
  const problems: string[] = [];
  if (bundles.length > limits.maxEntries) problems.push(`${bundles.length} signature bundles refer to ${digest}; only the first ${limits.maxEntries} are read`);
  const artifacts: SignatureArtifact[] = [];
  for (const entry of bundles.slice(0, limits.maxEntries)) {
    try {
      artifacts.push(await referrerBundle(target, entry, limits));
    } catch (err) {
      if (target.signal.aborted) throw err;
      problems.push(errorMessage(err));
    }
  }
  return { artifacts, problems };
}

/**
 * The referrers of a digest (OCI distribution-spec 1.1 "Listing Referrers"). A registry without the API answers 404,
 * and clients then read the referrers tag schema: an index tagged `sha256-<hex>` ("Referrers Tag Schema").
 */
async function listReferrers(target: RegistryTarget, digest: string, tag: string, limits: SignatureLimits): Promise<readonly Descriptor[]> {
  const what = `referrers of ${target.repository}@${digest}`;
  const res = await target.auth.send(target.registry, target.path, {
    url: apiUrl(target, 'referrers', digest),
    method: 'GET',
    headers: { accept: OCI_INDEX },
    maxBytes: limits.maxBytes,
    signal: target.signal,
  });
  if (res.status === 200) {
    const index = parseManifest(res.body, res.headers.get('content-type') ?? OCI_INDEX, what);
    if (index.kind !== 'index') throw new RegistryError(`${what}: the registry answered a manifest, not an index`);
    return index.manifests;
  }
  if (res.status !== 404) throw statusError(target, res, what);
  const fallback = await fetchIfPresent(target, tag, `referrers tag ${target.repository}:${tag}`, limits);
  if (fallback === null) return [];
  if (fallback.manifest.kind !== 'index') throw new RegistryError(`referrers tag ${target.repository}:${tag} is not an index`);
  return fallback.manifest.manifests;
}

async function referrerBundle(target: RegistryTarget, entry: Descriptor, limits: SignatureLimits): Promise<SignatureArtifact> {
  const what = `signature bundle manifest ${target.repository}@${entry.digest}`;
  const { manifest } = await fetchManifest(target, { reference: entry.digest, expectedDigest: entry.digest, expectedSize: entry.size, what, maxBytes: limits.maxBytes });
  const layers = manifest.kind === 'image' ? manifest.layers.filter((layer) => layer.mediaType === SIGSTORE_BUNDLE) : [];
  if (layers.length !== 1) throw new RegistryError(`${what} does not hold exactly one ${SIGSTORE_BUNDLE} layer`);
  const bundle = await fetchBlob(target, layers[0]!, limits.maxBytes, `${what} bundle`);
  return { kind: 'bundle', digest: entry.digest, bundle };
}

/** A manifest by tag, or null when the registry has none (404: the image is simply not signed that way). */
async function fetchIfPresent(target: RegistryTarget, tag: string, what: string, limits: SignatureLimits): Promise<FetchedManifest | null> {
  try {
    return await fetchManifest(target, { reference: tag, expectedDigest: null, expectedSize: null, what, maxBytes: limits.maxBytes });
  } catch (err) {
    if (err instanceof RegistryNotFoundError) return null;
    throw err;
  }
}
