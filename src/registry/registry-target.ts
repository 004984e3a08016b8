// One repository on one registry, and the requests the client sends to it.
import { fieldValue, isJsonObject, parseJson } from '../core/json-reader';
import { RegistryError } from '../errors';
import type { HttpResponse } from './http-transport';
import type { RegistryAuth } from './registry-auth';

export interface RegistryTarget {
  /** The registry as written in references (`docker.io`), used in messages and for credentials. */
  readonly registry: string;
  /** `https://registry-1.docker.io`: where the API is served. */
  readonly origin: string;
  /** Repository path without the host (`library/nginx`). */
  readonly path: string;
  /** `docker.io/library/nginx`. */
  readonly repository: string;
  readonly auth: RegistryAuth;
  readonly signal: AbortSignal;
}

export function apiUrl(target: RegistryTarget, kind: 'manifests' | 'blobs', reference: string): URL {
  return new URL(`${target.origin}/v2/${target.path}/${kind}/${reference}`);
}

/**
 * The error for an answer other than success. `what` names the object, e.g. `manifest app:1.0`. A 404
 * body is the registry's JSON error (`MANIFEST_UNKNOWN`, `NAME_UNKNOWN`), whose text is not needed here.
 */
export function statusError(target: RegistryTarget, res: HttpResponse, what: string): RegistryError {
  if (res.status === 401 || res.status === 403) {
    return new RegistryError(`registry ${target.registry} denied access to ${target.repository}: check credentials`);
  }
  if (res.status === 404) return new RegistryError(`registry ${target.registry} has no ${what}`);
  return new RegistryError(`registry ${target.registry} answered ${res.status} for ${what}${registryErrorText(res.body)}`);
}

/** The first `errors[].message` of a distribution error body (distribution-spec "Error Codes"), if any. */
function registryErrorText(body: Buffer): string {
  const parsed = parseJson(body.toString('utf8'));
  const errors = parsed.ok && isJsonObject(parsed.value) ? fieldValue(parsed.value, 'errors') : undefined;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  const message = isJsonObject(first) ? fieldValue(first, 'message') : undefined;
  return typeof message === 'string' ? `: ${message.slice(0, 200)}` : '';
}
