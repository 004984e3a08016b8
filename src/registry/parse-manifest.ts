// Validates a manifest body into typed values (OCI image-spec manifest.md and image-index.md; Docker
// manifest v2 schema 2 and manifest list, which have the same shape).
import {
  fieldValue,
  isJsonObject,
  jsonOk,
  jsonProblem,
  optionalField,
  parseJson,
  problemText,
  readListOf,
  readNonNegativeInteger,
  readObject,
  readString,
  requiredField,
} from '../core/json-reader';
import type { JsonObject, JsonRead } from '../core/json-reader';
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
}

export type Manifest =
  | { readonly kind: 'index'; readonly mediaType: string; readonly manifests: readonly Descriptor[] }
  | { readonly kind: 'image'; readonly mediaType: string; readonly config: Descriptor };

/** `what` names the document for error messages (`manifest registry.corp.example/app:1.0`). */
export function parseManifest(body: Buffer, contentType: string | undefined, what: string): Manifest {
  const parsed = parseJson(body.toString('utf8'));
  if (!parsed.ok) throw new RegistryError(`${what} is not JSON (Content-Type ${contentType ?? 'none'}): not a registry answer`);
  if (!isJsonObject(parsed.value)) throw new RegistryError(`${what} is not a JSON object`);
  const json = parsed.value;
  const mediaType = manifestMediaType(json, baseMediaType(contentType), what);
  const manifest: JsonRead<Manifest> = INDEX_MEDIA_TYPES.includes(mediaType)
    ? mapRead(requiredField(json, 'manifests', '', readListOf(readDescriptor)), (manifests) => ({ kind: 'index', mediaType, manifests }))
    : mapRead(requiredField(json, 'config', '', readDescriptor), (config) => ({ kind: 'image', mediaType, config }));
  if (!manifest.ok) throw new RegistryError(`${what}: ${problemText(manifest)}`);
  return manifest.value;
}

function mapRead<T, U>(read: JsonRead<T>, map: (value: T) => U): JsonRead<U> {
  return read.ok ? jsonOk(map(read.value)) : read;
}

/**
 * The body's `mediaType` is authoritative; the Content-Type must agree when it names a manifest type (OCI
 * distribution-spec: "the Content-Type header MUST match the manifest's mediaType"). OCI made `mediaType`
 * optional in early versions, so a body without it is recognised by its shape.
 */
function manifestMediaType(json: JsonObject, headerType: string | null, what: string): string {
  const schemaVersion = fieldValue(json, 'schemaVersion');
  if (schemaVersion === 1) throw new RegistryError(`${what} is a Docker schema 1 manifest, which is not supported: push the image again`);
  if (schemaVersion !== 2) throw new RegistryError(`${what} has unsupported schemaVersion ${JSON.stringify(schemaVersion)}`);
  const known = [...INDEX_MEDIA_TYPES, ...IMAGE_MANIFEST_MEDIA_TYPES];
  const declared = fieldValue(json, 'mediaType');
  const bodyType = typeof declared === 'string' ? declared : null;
  if (bodyType !== null) {
    if (!known.includes(bodyType)) throw new RegistryError(`${what} has unsupported media type ${bodyType}`);
    if (headerType !== null && known.includes(headerType) && headerType !== bodyType) {
      throw new RegistryError(`${what}: Content-Type ${headerType} does not match its mediaType ${bodyType}`);
    }
    return bodyType;
  }
  if (headerType !== null && known.includes(headerType)) return headerType;
  if (Array.isArray(fieldValue(json, 'manifests'))) return OCI_INDEX;
  if (isJsonObject(fieldValue(json, 'config'))) return headerType === DOCKER_MANIFEST ? DOCKER_MANIFEST : OCI_MANIFEST;
  throw new RegistryError(`${what} has unsupported media type ${headerType ?? 'none'}`);
}

function readDescriptor(value: unknown, path: string): JsonRead<Descriptor> {
  const object = readObject(value, path);
  if (!object.ok) return object;
  const d = object.value;
  const mediaType = requiredField(d, 'mediaType', path, readString);
  if (!mediaType.ok) return mediaType;
  const digest = requiredField(d, 'digest', path, readDigest);
  if (!digest.ok) return digest;
  const size = requiredField(d, 'size', path, readNonNegativeInteger);
  if (!size.ok) return size;
  const platform = optionalField(d, 'platform', path, readPlatform);
  if (!platform.ok) return platform;
  return jsonOk({ mediaType: mediaType.value, digest: digest.value, size: size.value, platform: platform.value, annotations: annotations(d) });
}

function readDigest(value: unknown, path: string): JsonRead<string> {
  const text = readString(value, path);
  if (!text.ok || isDigest(text.value)) return text;
  return jsonProblem(path, `must be a sha256 or sha512 digest (got ${JSON.stringify(text.value.slice(0, 80))})`);
}

function readPlatform(value: unknown, path: string): JsonRead<Platform> {
  const platform = readObject(value, path);
  if (!platform.ok) return platform;
  const os = requiredField(platform.value, 'os', path, readString);
  if (!os.ok) return os;
  const architecture = requiredField(platform.value, 'architecture', path, readString);
  if (!architecture.ok) return architecture;
  const variant = fieldValue(platform.value, 'variant');
  return jsonOk({ os: os.value, architecture: architecture.value, variant: typeof variant === 'string' && variant !== '' ? variant : null });
}

/** Annotations are informative (string → string): entries of any other shape are dropped, not refused. */
function annotations(descriptor: JsonObject): ReadonlyMap<string, string> {
  const value = fieldValue(descriptor, 'annotations');
  if (!isJsonObject(value)) return new Map();
  return new Map(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
