// Reads the build time from an image config blob (OCI image-spec config.md: `created`, RFC 3339).
import { RegistryError } from '../errors';

/** Epoch ms of `created`, or null when absent, unparseable, or the Unix epoch itself. */
export function parseImageCreated(body: Buffer, what: string): number | null {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError(`${what} is not JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new RegistryError(`${what} is not a JSON object`);
  const created = 'created' in json ? json.created : undefined;
  if (typeof created !== 'string') return null;
  const time = Date.parse(created);
  // Reproducible builders (ko, Bazel rules_oci, SOURCE_DATE_EPOCH=0) write 1970-01-01T00:00:00Z to mean
  // "no date"; taking it literally would make every such image 55 years old for `images.maxAgeDays`.
  return Number.isNaN(time) || time <= 0 ? null : time;
}
