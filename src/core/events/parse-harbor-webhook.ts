// Harbor webhooks (goharbor/harbor src/pkg/notifier/model, src/controller/event/topic.go), in both payload formats a
// webhook policy can choose: Default (`Content-Type: application/json`, `{type, occur_at, operator, event_data}`) and
// CloudEvents (`application/cloudevents+json`, `{specversion, id, type: "harbor.…", time, operator, data}` where
// `data` holds the same `event_data`). One event names one or more artifacts (`event_data.resources`); each becomes
// an ArtifactEvent keyed by `<host of resource_url>/<repo_full_name>@<digest>`.
import { parseImageRef } from '../image-ref';
import {
  type JsonObject,
  type JsonRead,
  fieldValue,
  hasField,
  isJsonObject,
  jsonOk,
  jsonPath,
  jsonProblem,
  optionalField,
  readListOf,
  readNonEmptyString,
  readNonNegativeInteger,
  readObject,
  readString,
  readTimestamp,
  requiredField,
} from '../json-reader';
import { eventKey } from './event-key';
import { type ArtifactEvent, type EventKind, type HarborScanOverview, type IgnoredEvent, type ParsedEvents, SHA256_DIGEST } from './registry-event';

export type HarborFormat = 'default' | 'cloudevents';

/** Default event type → CloudEvents type (Harbor's `harbor.*` names), and what each means here (null: ignored). */
const HARBOR_TYPES: readonly { readonly type: string; readonly cloudEvents: string; readonly kind: EventKind | null }[] = [
  { type: 'PUSH_ARTIFACT', cloudEvents: 'harbor.artifact.pushed', kind: 'push' },
  { type: 'PULL_ARTIFACT', cloudEvents: 'harbor.artifact.pulled', kind: null },
  { type: 'DELETE_ARTIFACT', cloudEvents: 'harbor.artifact.deleted', kind: 'delete' },
  { type: 'SCANNING_COMPLETED', cloudEvents: 'harbor.scan.completed', kind: 'scan-completed' },
  { type: 'SCANNING_STOPPED', cloudEvents: 'harbor.scan.stopped', kind: 'scan-stopped' },
  { type: 'SCANNING_FAILED', cloudEvents: 'harbor.scan.failed', kind: 'scan-failed' },
  { type: 'QUOTA_EXCEED', cloudEvents: 'harbor.quota.exceeded', kind: null },
  { type: 'QUOTA_WARNING', cloudEvents: 'harbor.quota.warned', kind: null },
  { type: 'REPLICATION', cloudEvents: 'harbor.replication.status.changed', kind: null },
  { type: 'TAG_RETENTION', cloudEvents: 'harbor.tag_retention.finished', kind: null },
];

interface Envelope {
  readonly type: string;
  readonly kind: EventKind | null;
  readonly occurredAt: number;
  readonly actor: string | null;
  /** CloudEvents `id`, part of the event's identity when present. */
  readonly id: string | null;
  readonly data: JsonObject;
  readonly dataPath: string;
}

/** A Harbor webhook body in `format` (from its Content-Type); a body in the other format is refused, named. */
export function parseHarborWebhook(body: unknown, format: HarborFormat): JsonRead<ParsedEvents> {
  const root = readObject(body, '');
  if (!root.ok) return jsonProblem('', 'a Harbor webhook body must be a JSON object');
  const envelope = format === 'cloudevents' ? readCloudEvent(root.value) : readDefault(root.value);
  if (!envelope.ok) return envelope;
  const { kind, type } = envelope.value;
  if (kind === null) return jsonOk({ events: [], ignored: [{ source: 'harbor', type, reason: `${type} events change nothing here` }] });
  const repository = requiredField(envelope.value.data, 'repository', envelope.value.dataPath, readObject);
  if (!repository.ok) return repository;
  const repositoryPath = jsonPath(envelope.value.dataPath, 'repository');
  const project = requiredField(repository.value, 'namespace', repositoryPath, readNonEmptyString);
  if (!project.ok) return project;
  const name = requiredField(repository.value, 'name', repositoryPath, readNonEmptyString);
  if (!name.ok) return name;
  const resources = requiredField(envelope.value.data, 'resources', envelope.value.dataPath, readListOf(readObject));
  if (!resources.ok) return resources;
  const events: ArtifactEvent[] = [];
  const ignored: IgnoredEvent[] = [];
  for (const [index, resource] of resources.value.entries()) {
    const read = readResource(resource, jsonPath(jsonPath(envelope.value.dataPath, 'resources'), index), envelope.value, {
      project: project.value,
      name: name.value,
    });
    if (!read.ok) return read;
    if ('reason' in read.value) ignored.push(read.value);
    else events.push(read.value);
  }
  return jsonOk({ events, ignored });
}

function readDefault(root: JsonObject): JsonRead<Envelope> {
  if (hasField(root, 'specversion')) {
    return jsonProblem('', 'this is a CloudEvents body (it has specversion): send it with Content-Type application/cloudevents+json');
  }
  const type = requiredField(root, 'type', '', readNonEmptyString);
  if (!type.ok) return type;
  const known = HARBOR_TYPES.find((t) => t.type === type.value);
  if (known === undefined) return jsonProblem('type', `unknown Harbor event type ${JSON.stringify(type.value)}`);
  const occurAt = requiredField(root, 'occur_at', '', readNonNegativeInteger);
  if (!occurAt.ok) return occurAt;
  const operator = optionalField(root, 'operator', '', readString);
  if (!operator.ok) return operator;
  if (known.kind === null) return jsonOk({ type: known.type, kind: null, occurredAt: occurAt.value * 1000, actor: null, id: null, data: {}, dataPath: 'event_data' });
  const data = requiredField(root, 'event_data', '', readObject);
  if (!data.ok) return data;
  return jsonOk({ type: known.type, kind: known.kind, occurredAt: occurAt.value * 1000, actor: nonEmpty(operator.value), id: null, data: data.value, dataPath: 'event_data' });
}

function readCloudEvent(root: JsonObject): JsonRead<Envelope> {
  const version = requiredField(root, 'specversion', '', readNonEmptyString);
  if (!version.ok) {
    return hasField(root, 'event_data')
      ? jsonProblem('', 'this is a Default-format Harbor body (event_data, no specversion): send it with Content-Type application/json')
      : version;
  }
  if (version.value !== '1.0') return jsonProblem('specversion', `unsupported CloudEvents version ${JSON.stringify(version.value)}`);
  const type = requiredField(root, 'type', '', readNonEmptyString);
  if (!type.ok) return type;
  const known = HARBOR_TYPES.find((t) => t.cloudEvents === type.value);
  if (known === undefined) return jsonProblem('type', `unknown Harbor event type ${JSON.stringify(type.value)}`);
  const id = requiredField(root, 'id', '', readNonEmptyString);
  if (!id.ok) return id;
  const time = requiredField(root, 'time', '', readTimestamp);
  if (!time.ok) return time;
  const operator = optionalField(root, 'operator', '', readString);
  if (!operator.ok) return operator;
  if (known.kind === null) return jsonOk({ type: known.cloudEvents, kind: null, occurredAt: time.value, actor: null, id: id.value, data: {}, dataPath: 'data' });
  const data = requiredField(root, 'data', '', readObject);
  if (!data.ok) return data;
  return jsonOk({ type: known.cloudEvents, kind: known.kind, occurredAt: time.value, actor: nonEmpty(operator.value), id: id.value, data: data.value, dataPath: 'data' });
}

function readResource(
  resource: JsonObject,
  path: string,
  envelope: Envelope,
  harborRepository: { readonly project: string; readonly name: string },
): JsonRead<ArtifactEvent | IgnoredEvent> {
  const digest = requiredField(resource, 'digest', path, readNonEmptyString);
  if (!digest.ok) return digest;
  const resourceUrl = requiredField(resource, 'resource_url', path, readNonEmptyString);
  if (!resourceUrl.ok) return resourceUrl;
  const tag = optionalField(resource, 'tag', path, readString);
  if (!tag.ok) return tag;
  const ignore = (reason: string): JsonRead<IgnoredEvent> => jsonOk({ source: 'harbor', type: envelope.type, reason });
  if (!SHA256_DIGEST.test(digest.value)) return ignore(`invalid digest ${JSON.stringify(digest.value)}`);
  const host = resourceUrl.value.split('/')[0] ?? '';
  // `<host of resource_url>/<project>/<repository name>`: repo_full_name is `namespace/name`; the name may hold `/`.
  const parsed = parseImageRef(`${host}/${harborRepository.project}/${harborRepository.name}@${digest.value}`);
  if (!parsed.ok || parsed.ref.registry !== host.toLowerCase()) return ignore(`${resourceUrl.value} is not a repository reference`);
  const scan = envelope.kind === 'scan-completed' || envelope.kind === 'scan-failed' || envelope.kind === 'scan-stopped' ? readScanOverview(resource, path) : jsonOk(null);
  if (!scan.ok) return scan;
  return jsonOk({
    source: 'harbor',
    type: envelope.type,
    kind: envelope.kind ?? 'push',
    key: eventKey({ type: envelope.type, id: envelope.id, occurredAt: envelope.occurredAt, repository: parsed.ref.repository, digest: digest.value, actor: envelope.actor }),
    registry: parsed.ref.registry,
    repository: parsed.ref.repository,
    digest: digest.value,
    // Pushed by digest, Harbor repeats the digest as the tag: that is no tag.
    tag: tag.value === null || tag.value === '' || tag.value === digest.value ? null : tag.value,
    actor: envelope.actor,
    occurredAt: envelope.occurredAt,
    harborRepository,
    scan: scan.value,
  });
}

/**
 * `scan_overview` is keyed by a report MIME type with a parameter (`application/vnd.security.vulnerability.report;
 * version=1.1`), and Harbor knows more than one: the first entry is read, whatever its key.
 */
function readScanOverview(resource: JsonObject, path: string): JsonRead<HarborScanOverview | null> {
  const overview = optionalField(resource, 'scan_overview', path, readObject);
  if (!overview.ok) return overview;
  if (overview.value === null) return jsonOk(null);
  const [key] = Object.keys(overview.value);
  if (key === undefined) return jsonOk(null);
  const entryPath = jsonPath(jsonPath(path, 'scan_overview'), key);
  const entry = readObject(fieldValue(overview.value, key), entryPath);
  if (!entry.ok) return entry;
  const status = requiredField(entry.value, 'scan_status', entryPath, readString);
  if (!status.ok) return status;
  const endedAt = optionalField(entry.value, 'end_time', entryPath, readTimestamp);
  if (!endedAt.ok) return endedAt;
  const scanner = fieldValue(entry.value, 'scanner');
  const scannerName = isJsonObject(scanner) && typeof fieldValue(scanner, 'name') === 'string' ? String(fieldValue(scanner, 'name')) : null;
  return jsonOk({ status: status.value, endedAt: endedAt.value, scannerName });
}

function nonEmpty(text: string | null): string | null {
  return text === null || text.trim() === '' ? null : text;
}
