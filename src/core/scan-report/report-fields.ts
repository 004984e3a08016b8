// Field shapes both scanners write: dates that may be empty, string lists that may be absent.
import { jsonOk, optionalField, readListOf, readString, readTimestamp } from '../json-reader';
import type { JsonObject, JsonRead } from '../json-reader';

/** An RFC 3339 date-time as epoch ms; absent, null or "" (grype snapshots, Trivy `omitempty`) reads as undated. */
export function readOptionalTimestamp(object: JsonObject, key: string, path: string): JsonRead<number | null> {
  const text = optionalField(object, key, path, readString);
  if (!text.ok || text.value === null || text.value === '') return text.ok ? jsonOk(null) : text;
  return optionalField(object, key, path, readTimestamp);
}

/** A list of strings; absent or null reads as none. */
export function readStringList(object: JsonObject, key: string, path: string): JsonRead<readonly string[]> {
  const list = optionalField(object, key, path, readListOf(readString));
  return list.ok ? jsonOk(list.value ?? []) : list;
}
