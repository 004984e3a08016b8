// The image's build time (SPEC §8 "Build time is read from the image config blob"): `created` of the config
// of a single manifest, or the oldest of an index's platforms, so an index is as old as its oldest part.
import { fetchBlob } from './fetch-blob';
import { fetchManifest } from './fetch-manifest';
import { mapWithConcurrency } from './map-with-concurrency';
import { IMAGE_MANIFEST_MEDIA_TYPES } from './media-types';
import type { Descriptor, Manifest, Platform } from './parse-manifest';
import { parseImageCreated } from './parse-image-config';
import type { RegistryTarget } from './registry-target';

export interface SizeLimits {
  readonly maxManifestBytes: number;
  readonly maxConfigBytes: number;
}

// How many platform manifests of one index are fetched at once.
const PLATFORM_CONCURRENCY = 4;

/**
 * The image manifests of an index that are runnable images. BuildKit adds provenance/SBOM attestation
 * manifests with platform `unknown/unknown` and `vnd.docker.reference.type: attestation-manifest`
 * (docker buildx docs, "attestation storage"); they are not platforms and have no meaningful `created`.
 */
export function platformEntries(manifests: readonly Descriptor[]): readonly (Descriptor & { readonly platform: Platform })[] {
  return manifests.filter(
    (d): d is Descriptor & { readonly platform: Platform } =>
      d.platform !== null &&
      IMAGE_MANIFEST_MEDIA_TYPES.includes(d.mediaType) &&
      !(d.platform.os === 'unknown' && d.platform.architecture === 'unknown') &&
      d.annotations.get('vnd.docker.reference.type') !== 'attestation-manifest',
  );
}

/** `linux/amd64`, `linux/arm64/v8` (the form `docker buildx --platform` takes). */
export function platformName(platform: Platform): string {
  return [platform.os, platform.architecture, ...(platform.variant === null ? [] : [platform.variant])].join('/');
}

export async function readCreatedAt(target: RegistryTarget, manifest: Manifest, limits: SizeLimits): Promise<number | null> {
  if (manifest.kind === 'image') return configCreated(target, manifest.config, limits);
  const entries = platformEntries(manifest.manifests);
  const results = await mapWithConcurrency(entries, PLATFORM_CONCURRENCY, async (entry) => {
    const child = await fetchManifest(target, {
      reference: entry.digest,
      expectedDigest: entry.digest,
      expectedSize: entry.size,
      what: `manifest ${target.repository}@${entry.digest} (${platformName(entry.platform)})`,
      maxBytes: limits.maxManifestBytes,
    });
    // A nested index is allowed by OCI but rare; its age is not followed further.
    return child.manifest.kind === 'image' ? configCreated(target, child.manifest.config, limits) : null;
  });
  const times: number[] = [];
  for (const result of results) {
    if (!result.ok) throw result.error;
    if (result.value !== null) times.push(result.value);
  }
  return times.length === 0 ? null : Math.min(...times);
}

async function configCreated(target: RegistryTarget, config: Descriptor, limits: SizeLimits): Promise<number | null> {
  const what = `image config ${target.repository}@${config.digest}`;
  return parseImageCreated(await fetchBlob(target, config, limits.maxConfigBytes, what), what);
}
