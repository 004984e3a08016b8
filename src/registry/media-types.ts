// Manifest media types the client accepts (OCI image-spec media-types.md; Docker image manifest v2 schema 2).
// Docker schema 1 (`…manifest.v1+prettyjws`) is deliberately absent: its digest covers a signed form that
// cannot be verified from the body we receive, and registries serve schema 2 when it is asked for.

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

export const INDEX_MEDIA_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST];
export const IMAGE_MANIFEST_MEDIA_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST];

/**
 * The Accept header for manifest requests. Without the list types a registry answers a multi-platform
 * tag with one platform's manifest (or schema 1), whose digest is not the one `docker pull` records.
 */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(', ');

/** `application/json; charset=utf-8` → `application/json` (RFC 9110 §8.3.1: type/subtype are case-insensitive). */
export function baseMediaType(contentType: string | undefined): string | null {
  if (contentType === undefined) return null;
  const base = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return base === '' ? null : base;
}
