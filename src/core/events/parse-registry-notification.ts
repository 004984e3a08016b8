// Distribution (registry:2, Debian's docker-registry) notification envelopes: `{"events": [Event, …]}`
// (distribution docs, notifications.md). Events in one envelope are unrelated: manifest and blob events, pushes,
// pulls, mounts and deletes of several repositories. Only manifest pushes change anything here (a pushed digest
// becomes pending); everything else is ignored and counted.
import { parseImageRef } from '../image-ref';
import {
  type JsonObject,
  type JsonRead,
  fieldValue,
  isJsonObject,
  jsonOk,
  jsonPath,
  jsonProblem,
  optionalField,
  readArray,
  readNonEmptyString,
  readObject,
  readString,
  readTimestamp,
  requiredField,
} from '../json-reader';
import { eventKey } from './event-key';
import { type ArtifactEvent, type IgnoredEvent, type ParsedEvents, SHA256_DIGEST } from './registry-event';

/** Manifest media types (distribution `manifest` packages); blob events carry layer or config types. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
];

/** The envelope read into events; a body that is not an envelope at all is a problem (answered 400). */
export function parseRegistryNotification(body: unknown): JsonRead<ParsedEvents> {
  const envelope = readObject(body, '');
  if (!envelope.ok) return jsonProblem('', 'a notification envelope must be a JSON object {"events": [...]}');
  const list = requiredField(envelope.value, 'events', '', readArray);
  if (!list.ok) return list;
  const events: ArtifactEvent[] = [];
  const ignored: IgnoredEvent[] = [];
  for (const [index, item] of list.value.entries()) {
    const read = readEvent(item, jsonPath('events', index));
    if (!read.ok) return read;
    if ('reason' in read.value) ignored.push(read.value);
    else events.push(read.value);
  }
  return jsonOk({ events, ignored });
}

function readEvent(value: unknown, path: string): JsonRead<ArtifactEvent | IgnoredEvent> {
  const event = readObject(value, path);
  if (!event.ok) return event;
  const action = requiredField(event.value, 'action', path, readNonEmptyString);
  if (!action.ok) return action;
  const target = requiredField(event.value, 'target', path, readObject);
  if (!target.ok) return target;
  const type = action.value;
  const ignore = (reason: string): JsonRead<IgnoredEvent> => jsonOk({ source: 'registry', type, reason });
  if (type !== 'push') return ignore(`${type} events change nothing here`);
  const mediaType = optionalField(target.value, 'mediaType', jsonPath(path, 'target'), readString);
  if (!mediaType.ok) return mediaType;
  if (mediaType.value === null || !MANIFEST_MEDIA_TYPES.includes(mediaType.value)) {
    return ignore(`not a manifest (${mediaType.value ?? 'no mediaType'})`);
  }
  return readManifestPush(event.value, target.value, path);
}

function readManifestPush(event: JsonObject, target: JsonObject, path: string): JsonRead<ArtifactEvent | IgnoredEvent> {
  const targetPath = jsonPath(path, 'target');
  const id = requiredField(event, 'id', path, readNonEmptyString);
  if (!id.ok) return id;
  const timestamp = requiredField(event, 'timestamp', path, readTimestamp);
  if (!timestamp.ok) return timestamp;
  const digest = requiredField(target, 'digest', targetPath, readNonEmptyString);
  if (!digest.ok) return digest;
  const repositoryPath = requiredField(target, 'repository', targetPath, readNonEmptyString);
  if (!repositoryPath.ok) return repositoryPath;
  const tag = optionalField(target, 'tag', targetPath, readString);
  if (!tag.ok) return tag;
  const ignore = (reason: string): JsonRead<IgnoredEvent> => jsonOk({ source: 'registry', type: 'push', reason });
  // A placeholder digest (distribution's own tests use `sha256:0123456789abcdef0`) names nothing a pod can run.
  if (!SHA256_DIGEST.test(digest.value)) return ignore(`invalid digest ${JSON.stringify(digest.value)}`);
  const host = registryHost(event, target);
  if (host === null) return ignore('names no registry host (request.host or target.url)');
  // `target.repository` is the path inside the registry: the host is prefixed before normalising, never docker.io's
  // `library/` rules on the bare path (a push of `nginx` to registry:5000 is `registry:5000/nginx`).
  const parsed = parseImageRef(`${host}/${repositoryPath.value}@${digest.value}`);
  if (!parsed.ok || parsed.ref.registry !== host.toLowerCase()) {
    return ignore(`${host}/${repositoryPath.value} is not a repository reference`);
  }
  return jsonOk({
    source: 'registry',
    type: 'push',
    kind: 'push',
    key: eventKey({ id: id.value, repository: parsed.ref.repository, digest: digest.value }),
    registry: parsed.ref.registry,
    repository: parsed.ref.repository,
    digest: digest.value,
    tag: tag.value === '' ? null : tag.value,
    actor: actorName(event),
    occurredAt: timestamp.value,
    harborRepository: null,
    scan: null,
  });
}

/** `request.host` (what the client used to push), else the host of `target.url`. */
function registryHost(event: JsonObject, target: JsonObject): string | null {
  const request = fieldValue(event, 'request');
  const host = isJsonObject(request) ? fieldValue(request, 'host') : undefined;
  if (typeof host === 'string' && /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) return host;
  const url = fieldValue(target, 'url');
  if (typeof url !== 'string') return null;
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}

function actorName(event: JsonObject): string | null {
  const actor = fieldValue(event, 'actor');
  if (!isJsonObject(actor)) return null;
  const name = fieldValue(actor, 'name');
  return typeof name === 'string' && name !== '' ? name : null;
}
