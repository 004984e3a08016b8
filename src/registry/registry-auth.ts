// Answers registry authentication challenges (SPEC §8): anonymous first; on 401 the `WWW-Authenticate`
// challenge says what to send: `Basic` → configured credentials; `Bearer realm,service,scope` → a token from
// the realm. Authorizations are cached per registry + scope, so one review costs one token fetch at most.
import type { CredentialLookup } from './docker-config';
import { basicAuthorization, fetchBearerToken } from './fetch-bearer-token';
import type { HttpRequest, HttpResponse, HttpTransport } from './http-transport';
import { type AuthChallenge, parseWwwAuthenticate } from './parse-www-authenticate';

export interface RegistryAuthOptions {
  readonly transport: HttpTransport;
  readonly credentials: CredentialLookup;
  readonly insecureRegistries: ReadonlySet<string>;
  readonly now: () => number;
}

export interface RegistryAuth {
  /** Sends a request for `repositoryPath` on `registry`, answering one 401 challenge. A final 401/403 is returned, not thrown. */
  send(registry: string, repositoryPath: string, request: HttpRequest): Promise<HttpResponse>;
}

interface CachedAuthorization {
  readonly header: string;
  readonly expiresAt: number;
}

const MAX_CACHED = 1000;

export function createRegistryAuth(options: RegistryAuthOptions): RegistryAuth {
  const cache = new Map<string, CachedAuthorization>();

  function cached(key: string): string | null {
    const entry = cache.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt > options.now()) return entry.header;
    cache.delete(key);
    return null;
  }

  function remember(key: string, entry: CachedAuthorization): void {
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value ?? key);
    cache.set(key, entry);
  }

  async function authorize(registry: string, scope: string, challenge: AuthChallenge, signal: AbortSignal): Promise<CachedAuthorization | null> {
    const credentials = options.credentials(registry);
    if (challenge.scheme === 'basic') {
      return credentials === null ? null : { header: basicAuthorization(credentials), expiresAt: Number.POSITIVE_INFINITY };
    }
    const token = await fetchBearerToken(options.transport, options.insecureRegistries, {
      registry,
      realm: challenge.params.get('realm') ?? '',
      service: challenge.params.get('service') ?? null,
      // The registry's own scope wins: it may name more than a pull (distribution token.md "scope").
      scope: challenge.params.get('scope') ?? scope,
      credentials,
      signal,
    }, options.now());
    return { header: `Bearer ${token.token}`, expiresAt: token.expiresAt };
  }

  async function send(registry: string, repositoryPath: string, request: HttpRequest): Promise<HttpResponse> {
    const scope = `repository:${repositoryPath}:pull`;
    const key = `${registry} ${scope}`;
    const first = await options.transport.send(withAuthorization(request, cached(key)));
    if (first.status !== 401) return first;
    const challenge = pickChallenge(first.headers.get('www-authenticate'));
    if (challenge === null) return first;
    const authorization = await authorize(registry, scope, challenge, request.signal);
    if (authorization === null) return first;
    const second = await options.transport.send(withAuthorization(request, authorization.header));
    if (second.status !== 401 && second.status !== 403) remember(key, authorization);
    return second;
  }

  return { send };
}

/** Bearer (with a realm) is preferred over Basic, as the Docker client does; other schemes are not supported. */
function pickChallenge(header: string | undefined): AuthChallenge | null {
  if (header === undefined) return null;
  const challenges = parseWwwAuthenticate(header);
  return challenges.find((c) => c.scheme === 'bearer' && c.params.has('realm'))
    ?? challenges.find((c) => c.scheme === 'basic')
    ?? null;
}

function withAuthorization(request: HttpRequest, header: string | null): HttpRequest {
  if (header === null) return request;
  return { ...request, headers: { ...request.headers, authorization: header } };
}
