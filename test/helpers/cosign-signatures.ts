// Signatures in exactly cosign's formats, made with node:crypto and pushed over the registry API, so tests exercise
// the same bytes `cosign sign --key` writes: a "simple signing" payload as a layer blob of the manifest tagged
// `sha256-<hex>.sig`, its base64 DER signature in the layer annotation (sigstore/cosign pkg/oci/static, pkg/cosign).
import { type KeyObject, generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import { OCI_INDEX, OCI_MANIFEST, type TestRegistry, pushBlob, pushManifest, sha256 } from './registry-server';

export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export interface TestKey {
  readonly privateKey: KeyObject;
  /** Written as cosign.pub would be. */
  readonly publicPem: string;
}

export function generateCosignKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function writePublicKey(key: TestKey, file: string): string {
  fs.writeFileSync(file, key.publicPem);
  return file;
}

/** The payload cosign signs for `repository@digest` (key order and spacing as cosign's Go json.Marshal writes them). */
export function simpleSigningPayload(repository: string, digest: string): Buffer {
  return Buffer.from(JSON.stringify({
    critical: { identity: { 'docker-reference': repository }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
    optional: null,
  }));
}

export interface CosignLayer {
  readonly payload: Buffer;
  /** Base64 DER. */
  readonly signature: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export function signLayer(key: TestKey, payload: Buffer): CosignLayer {
  return { payload, signature: sign('sha256', payload, key.privateKey).toString('base64') };
}

/** The `.sig` manifest's bytes for these layers (blobs named by digest; `config` is cosign's small config blob). */
export function cosignManifest(layers: readonly CosignLayer[], config: Buffer): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: sha256(config) },
    layers: layers.map((layer) => ({
      mediaType: SIMPLE_SIGNING,
      size: layer.payload.length,
      digest: sha256(layer.payload),
      annotations: { 'dev.cosignproject.cosign/signature': layer.signature, ...layer.annotations },
    })),
  }));
}

export const COSIGN_CONFIG = Buffer.from(JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', os: '', config: {}, rootfs: { type: 'layers', diff_ids: [] } }));

/** Pushes the layers' blobs and the `.sig` manifest under `sha256-<hex>.sig` for `signedDigest`; returns its digest. */
export async function pushCosignSignatures(registry: TestRegistry, repository: string, signedDigest: string, layers: readonly CosignLayer[]): Promise<string> {
  await pushBlob(registry, repository, COSIGN_CONFIG);
  for (const layer of layers) await pushBlob(registry, repository, layer.payload);
  const tag = `sha256-${signedDigest.slice(7)}.sig`;
  return pushManifest(registry, repository, tag, OCI_MANIFEST, cosignManifest(layers, COSIGN_CONFIG));
}

/** The OCI 1.1 artifact manifest cosign 3 writes for a Sigstore bundle referring to `subject`. */
export function bundleManifest(bundle: Buffer, subject: { readonly digest: string; readonly size: number }): Buffer {
  const empty = Buffer.from('{}');
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SIGSTORE_BUNDLE,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', size: empty.length, digest: sha256(empty) },
    layers: [{ mediaType: SIGSTORE_BUNDLE, size: bundle.length, digest: sha256(bundle) }],
    subject: { mediaType: OCI_MANIFEST, ...subject },
  }));
}

/** The referrers index (the API's answer, and the referrers-tag fallback's content). */
export function referrersIndex(entries: readonly { readonly digest: string; readonly size: number }[]): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: entries.map((entry) => ({ mediaType: OCI_MANIFEST, artifactType: SIGSTORE_BUNDLE, ...entry })),
  }));
}

/**
 * A bundle as a referrer on a registry without the referrers API (distribution 2.8): the artifact manifest by digest
 * and the referrers tag `sha256-<hex>` holding an index of it, as cosign and oras write for such registries.
 */
export async function pushReferrerBundle(registry: TestRegistry, repository: string, subjectDigest: string, bundle: Buffer): Promise<string> {
  await pushBlob(registry, repository, Buffer.from('{}'));
  await pushBlob(registry, repository, bundle);
  const manifest = bundleManifest(bundle, { digest: subjectDigest, size: 2 });
  const digest = await pushManifest(registry, repository, sha256(manifest), OCI_MANIFEST, manifest);
  await pushManifest(registry, repository, `sha256-${subjectDigest.slice(7)}`, OCI_INDEX, referrersIndex([{ digest, size: manifest.length }]));
  return digest;
}
