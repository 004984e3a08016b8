// The token step of the distribution token authentication flow (distribution docs/spec/auth/token.md):
//   GET <realm>?service=<service>&scope=<scope>  (Basic credentials when configured)
//   → {"token": "...", "access_token": "...", "expires_in": 300, "issued_at": "..."}
import { fieldValue, isJsonObject, parseJson } from '../core/json-reader';
import { RegistryError } from '../errors';
import type { Credentials } from './docker-config';
import type { HttpTransport } from './http-transport';
import { allowsPlainHttp } from './registry-endpoint';

export interface BearerToken {
  readonly token: string;
  /** Epoch ms after which the token must not be reused. */
  readonly expiresAt: number;
}

export interface TokenRequest {
  readonly registry: string;
  readonly realm: string;
  readonly service: string | null;
  readonly scope: string;
  readonly credentials: Credentials | null;
  readonly signal: AbortSignal;
}

// token.md: "expires_in … If omitted, a default of 60 seconds should be assumed."
const DEFAULT_EXPIRES_SECONDS = 60;
const TOKEN_BODY_LIMIT = 1024 * 1024;
// Printable ASCII without spaces: anything else could not be sent back in an Authorization header anyway.
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

export async function fetchBearerToken(
  transport: HttpTransport,
  insecureRegistries: ReadonlySet<string>,
  request: TokenRequest,
  now: number,
): Promise<BearerToken> {
  const url = realmUrl(request, insecureRegistries);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.credentials !== null) headers.authorization = basicAuthorization(request.credentials);
  const res = await transport.send({ url, method: 'GET', headers, maxBytes: TOKEN_BODY_LIMIT, signal: request.signal });
  if (res.status === 401 || res.status === 403) {
    throw new RegistryError(`registry ${request.registry} denied access (token service ${url.host} answered ${res.status}): check credentials`);
  }
  if (res.status !== 200) throw new RegistryError(`token service ${url.host} for ${request.registry} answered ${res.status}`);
  return parseTokenResponse(res.body, url.host, now);
}

export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

function realmUrl(request: TokenRequest, insecureRegistries: ReadonlySet<string>): URL {
  let url: URL;
  try {
    url = new URL(request.realm);
  } catch {
    throw new RegistryError(`registry ${request.registry} named an invalid token realm`);
  }
  // Credentials go to the realm, so it gets the same transport rule as a registry: HTTPS unless local/insecure.
  const plainOk = url.protocol === 'http:' && allowsPlainHttp(url.host, insecureRegistries);
  if (url.protocol !== 'https:' && !plainOk) {
    throw new RegistryError(`registry ${request.registry} named a token realm that is not HTTPS: ${url.origin}`);
  }
  if (request.service !== null) url.searchParams.set('service', request.service);
  url.searchParams.set('scope', request.scope);
  return url;
}

function parseTokenResponse(body: Buffer, host: string, now: number): BearerToken {
  const parsed = parseJson(body.toString('utf8'));
  if (!parsed.ok) throw new RegistryError(`token service ${host} did not answer with JSON`);
  if (!isJsonObject(parsed.value)) throw new RegistryError(`token service ${host} did not answer with a JSON object`);
  const json = parsed.value;
  // Docker's token spec names it `token`; OAuth 2 token endpoints answer `access_token`.
  const named = fieldValue(json, 'token');
  const oauth = fieldValue(json, 'access_token');
  const token = typeof named === 'string' && named !== '' ? named : typeof oauth === 'string' ? oauth : '';
  if (!TOKEN_TEXT.test(token)) throw new RegistryError(`token service ${host} sent no usable token`);
  const expires = fieldValue(json, 'expires_in');
  const expiresIn = typeof expires === 'number' && expires > 0 ? expires : DEFAULT_EXPIRES_SECONDS;
  // Reuse a little less long than allowed, so a token never expires between our check and the registry's.
  const margin = Math.min(10, expiresIn / 10);
  return { token, expiresAt: now + (expiresIn - margin) * 1000 };
}
