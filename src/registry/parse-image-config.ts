// Reads the build time from an image config blob (OCI image-spec config.md: `created`, RFC 3339).
import { fieldValue, isJsonObject, parseJson } from '../core/json-reader';
import { RegistryError } from '../errors';

/** Epoch ms of `created`, or null when absent, unparseable, or the Unix epoch itself. */
export function parseImageCreated(body: Buffer, what: string): number | null {
  const parsed = parseJson(body.toString('utf8'));
  if (!parsed.ok) throw new RegistryError(`${what} is not JSON`);
  if (!isJsonObject(parsed.value)) throw new RegistryError(`${what} is not a JSON object`);
  const created = fieldValue(parsed.value, 'created');
  if (typeof created !== 'string') return null;
  const time = Date.parse(created);
  // Reproducible builders (ko, Bazel rules_oci, SOURCE_DATE_EPOCH=0) write 1970-01-01T00:00:00Z to mean
  // "no date"; taking it literally would make every such image 55 years old for `images.maxAgeDays`.
  return Number.isNaN(time) || time <= 0 ? null : time;
}
