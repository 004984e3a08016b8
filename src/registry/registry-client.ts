// The registry client (SPEC §8): resolves references against OCI distribution API v2 registries over undici.
import type { ImageRef } from '../core/types';
import { RegistryError, errorMessage } from '../errors';
import type { CredentialLookup } from './docker-config';
import { type ManifestRequest, fetchManifest, headManifestDigest } from './fetch-manifest';
import { type HttpTransportOptions, createHttpTransport } from './http-transport';
import { platformEntries, platformName, readCreatedAt } from './read-created-at';
import { createRegistryAuth } from './registry-auth';
import { parseInsecureRegistries, registryOrigin } from './registry-endpoint';
import type { RegistryTarget } from './registry-target';
import type { RegistryLookup, ResolveOptions, ResolvedImage, SignatureLookup } from './types';
import { type FoundSignatures, fetchSignatureArtifacts } from './fetch-signature-artifacts';

export interface RegistryClientOptions {
  /** Credentials per registry host (see `dockerConfigCredentials`); anonymous when absent. */
  readonly credentials?: CredentialLookup;
  /** `host[:port]` reachable over plain HTTP besides loopback (`--insecure-registry`, see `insecureRegistriesFrom`). */
  readonly insecureRegistries?: Iterable<string>;
  /** Upper bound for one `resolve`, all requests included (default 30 s); a caller's signal can end it sooner. */
  readonly timeoutMs?: number;
  /** OCI distribution-spec: registries SHOULD accept manifests up to 4 MiB and MAY refuse larger ones (default 4 MiB). */
  readonly maxManifestBytes?: number;
  /** Image config blobs hold the build history and can be larger than manifests (default 8 MiB). */
  readonly maxConfigBytes?: number;
  /** Signature manifests, referrers indexes and signature blobs are a few KB (default 1 MiB each). */
  readonly maxSignatureBytes?: number;
  /** Connection timeouts, retries and redirects. */
  readonly http?: Omit<HttpTransportOptions, 'insecureRegistries' | 'now'>;
  readonly now?: () => number;
}

export type RegistryClient = RegistryLookup & SignatureLookup & { close(): Promise<void> };

export function createRegistryClient(options: RegistryClientOptions = {}): RegistryClient {
  const insecureRegistries = parseInsecureRegistries([...(options.insecureRegistries ?? [])]);
  const now = options.now ?? Date.now;
  const transport = createHttpTransport({ ...options.http, insecureRegistries, now });
  const auth = createRegistryAuth({ transport, credentials: options.credentials ?? (() => null), insecureRegistries, now });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const limits = { maxManifestBytes: options.maxManifestBytes ?? 4 * 1024 * 1024, maxConfigBytes: options.maxConfigBytes ?? 8 * 1024 * 1024, maxSignatureBytes: options.maxSignatureBytes ?? 1024 * 1024 };

  async function lookUp(ref: ImageRef, target: RegistryTarget, digestOnly: boolean): Promise<ResolvedImage> {
    // A reference without tag or digest means `latest`, as `docker pull` reads it (distribution reference TagNameOnly).
    const tag = ref.digest === null ? (ref.tag ?? 'latest') : null;
    const request: ManifestRequest = {
      reference: ref.digest ?? tag ?? 'latest',
      expectedDigest: ref.digest,
      expectedSize: null,
      what: `manifest ${ref.repository}${ref.digest === null ? `:${tag}` : `@${ref.digest}`}`,
      maxBytes: limits.maxManifestBytes,
    };
    const base = { repository: ref.repository, tag };
    if (digestOnly) {
      const head = await headManifestDigest(target, request);
      if (head !== null) return { ...base, digest: head.digest, mediaType: head.mediaType ?? 'unknown', platforms: [], createdAt: null };
    }
    const { digest, manifest } = await fetchManifest(target, request);
    const platforms = manifest.kind === 'index' ? [...new Set(platformEntries(manifest.manifests).map((d) => platformName(d.platform)))] : [];
    const createdAt = digestOnly ? null : await readCreatedAt(target, manifest, limits);
    return { ...base, digest, mediaType: manifest.mediaType, platforms, createdAt };
  }

  function targetOf(ref: ImageRef, callerSignal: AbortSignal | undefined): RegistryTarget {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal === undefined ? deadline : AbortSignal.any([callerSignal, deadline]);
    return { registry: ref.registry, origin: registryOrigin(ref.registry, insecureRegistries), path: ref.path, repository: ref.repository, auth, signal };
  }

  async function resolve(ref: ImageRef, resolveOptions: ResolveOptions = {}): Promise<ResolvedImage> {
    try {
      return await lookUp(ref, targetOf(ref, resolveOptions.signal), resolveOptions.digestOnly === true);
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw new RegistryError(`looking up ${ref.original} in registry ${ref.registry} failed: ${errorMessage(err)}`);
    }
  }

  async function signatures(ref: ImageRef, digest: string, call: { readonly signal?: AbortSignal } = {}): Promise<FoundSignatures> {
    try {
      return await fetchSignatureArtifacts(targetOf(ref, call.signal), digest, { maxBytes: limits.maxSignatureBytes, maxEntries: 32 });
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw new RegistryError(`looking up the signatures of ${ref.repository}@${digest} in registry ${ref.registry} failed: ${errorMessage(err)}`);
    }
  }

  return { resolve, signatures, close: () => transport.close() };
}
