// Validates a manifest body into typed values (OCI image-spec manifest.md and image-index.md; Docker
// manifest v2 schema 2 and manifest list, which have the same shape).
import { RegistryError } from '../errors';
import { isDigest } from './digest';
import {
  DOCKER_MANIFEST,
  IMAGE_MANIFEST_MEDIA_TYPES,
  INDEX_MEDIA_TYPES,
  OCI_INDEX,
  OCI_MANIFEST,
  baseMediaType,
} from './media-types';

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant: string | null;
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform: Platform | null;
  readonly annotations: ReadonlyMap<string, string>;
  /** OCI 1.1: the type of an artifact (a referrers index entry names it), or null. */
  readonly artifactType: string | null;
}

export type Manifest =
  | { readonly kind: 'index'; readonly mediaType: string; readonly manifests: readonly Descriptor[] }
  | {
      readonly kind: 'image';
      readonly mediaType: string;
      readonly config: Descriptor;
      /** Layers in order; for signature artifacts (cosign `.sig`, Sigstore bundles) these hold the signatures. */
      readonly layers: readonly Descriptor[];
      readonly artifactType: string | null;
    };

type Json = Record<string, unknown>;

/** `what` names the document for error messages (`manifest registry.corp.example/app:1.0`). */
export function parseManifest(body: Buffer, contentType: string | undefined, what: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError(`${what} is not JSON (Content-Type ${contentType ?? 'none'}): not a registry answer`);
  }
  if (!isRecord(json)) throw new RegistryError(`${what} is not a JSON object`);
  const mediaType = manifestMediaType(json, baseMediaType(contentType), what);
  if (INDEX_MEDIA_TYPES.includes(mediaType)) {
    if (!Array.isArray(json.manifests)) throw new RegistryError(`${what}: index has no "manifests" list`);
    return { kind: 'index', mediaType, manifests: json.manifests.map((d, i) => descriptor(d, `${what}: manifests[${i}]`)) };
  }
  const layers = json.layers === undefined ? [] : json.layers;
  if (!Array.isArray(layers)) throw new RegistryError(`${what}: "layers" is not a list`);
  return {
    kind: 'image',
    mediaType,
    config: descriptor(json.config, `${what}: config`),
    layers: layers.map((d, i) => descriptor(d, `${what}: layers[${i}]`)),
    artifactType: typeof json.artifactType === 'string' ? json.artifactType : null,
  };
}

/**
 * The body's `mediaType` is authoritative; the Content-Type must agree when it names a manifest type (OCI
 * distribution-spec: "the Content-Type header MUST match the manifest's mediaType"). OCI made `mediaType`
 * optional in early versions, so a body without it is recognised by its shape.
 */
function manifestMediaType(json: Json, headerType: string | null, what: string): string {
  if (json.schemaVersion === 1) throw new RegistryError(`${what} is a Docker schema 1 manifest, which is not supported: push the image again`);
  if (json.schemaVersion !== 2) throw new RegistryError(`${what} has unsupported schemaVersion ${JSON.stringify(json.schemaVersion)}`);
  const known = [...INDEX_MEDIA_TYPES, ...IMAGE_MANIFEST_MEDIA_TYPES];
  const bodyType = typeof json.mediaType === 'string' ? json.mediaType : null;
  if (bodyType !== null) {
    if (!known.includes(bodyType)) throw new RegistryError(`${what} has unsupported media type ${bodyType}`);
    if (headerType !== null && known.includes(headerType) && headerType !== bodyType) {
      throw new RegistryError(`${what}: Content-Type ${headerType} does not match its mediaType ${bodyType}`);
    }
    return bodyType;
  }
  if (headerType !== null && known.includes(headerType)) return headerType;
  if (Array.isArray(json.manifests)) return OCI_INDEX;
  if (isRecord(json.config)) return headerType === DOCKER_MANIFEST ? DOCKER_MANIFEST : OCI_MANIFEST;
  throw new RegistryError(`${what} has unsupported media type ${headerType ?? 'none'}`);
}

function descriptor(value: unknown, where: string): Descriptor {
  if (!isRecord(value)) throw new RegistryError(`${where} is not a descriptor object`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string') throw new RegistryError(`${where} has no mediaType`);
  if (typeof digest !== 'string' || !isDigest(digest)) throw new RegistryError(`${where} has no valid sha256/sha512 digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new RegistryError(`${where} has an invalid size`);
  return {
    mediaType,
    digest,
    size,
    platform: platform(value.platform, where),
    annotations: annotations(value.annotations),
    artifactType: typeof value.artifactType === 'string' ? value.artifactType : null,
  };
}

function platform(value: unknown, where: string): Platform | null {
  if (value === undefined) return null;
  if (!isRecord(value) || typeof value.os !== 'string' || typeof value.architecture !== 'string') {
    throw new RegistryError(`${where} has an invalid platform`);
  }
  const variant = typeof value.variant === 'string' && value.variant !== '' ? value.variant : null;
  return { os: value.os, architecture: value.architecture, variant };
}

function annotations(value: unknown): ReadonlyMap<string, string> {
  if (!isRecord(value)) return new Map();
  return new Map(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
