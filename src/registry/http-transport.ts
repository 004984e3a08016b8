// HTTP exchanges with registries over undici: one connection pool per origin (undici Agent), timeouts,
// bounded retries and redirects. Only idempotent GET/HEAD requests are sent, so retrying is always safe.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { RegistryError } from '../errors';
import { abortedError, describeNetworkError, isTransientError } from './network-error';
import { parseContentLength, readCappedBody } from './read-capped-body';
import { allowsPlainHttp } from './registry-endpoint';
import { parseRetryAfter } from './retry-after';

export interface HttpTransportOptions {
  /** Hosts (`host[:port]`) reachable over plain HTTP besides loopback; also checked for redirect targets. */
  readonly insecureRegistries: ReadonlySet<string>;
  readonly connectTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  readonly bodyTimeoutMs?: number;
  /** Extra attempts after a 429/502/503/504 or a reset connection (default 3). */
  readonly retries?: number;
  /** First backoff delay when the server gives no Retry-After; doubles each attempt (default 250 ms). */
  readonly retryBaseMs?: number;
  /** Cap on any single wait, Retry-After included, so a hostile value cannot park a request (default 10 s). */
  readonly maxRetryDelayMs?: number;
  readonly maxRedirects?: number;
  readonly connectionsPerOrigin?: number;
  readonly now?: () => number;
}

export interface HttpRequest {
  readonly url: URL;
  readonly method: 'GET' | 'HEAD';
  /** Lowercase names. `authorization` is dropped when a redirect leaves the request's origin. */
  readonly headers: Readonly<Record<string, string>>;
  /** Largest body accepted in a 2xx answer; error bodies are cut at 64 KiB. */
  readonly maxBytes: number;
  readonly signal: AbortSignal;
}

export interface HttpResponse {
  /** The URL that gave this answer, after redirects. */
  readonly url: URL;
  readonly status: number;
  /** Lowercase names; repeated headers joined with ", " (RFC 9110 §5.3). */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

export interface HttpTransport {
  send(request: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const ERROR_BODY_LIMIT = 64 * 1024;

export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const settings = {
    retries: options.retries ?? 3,
    retryBaseMs: options.retryBaseMs ?? 250,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 10_000,
    maxRedirects: options.maxRedirects ?? 5,
    now: options.now ?? Date.now,
  };
  // undici is loaded with the first request: `serve` makes a transport at start even when no review will ever
  // ask a registry (tags: require-digest), and loading undici costs ~9 MB of resident memory.
  let agent: Agent | null = null;
  const pool = (): Agent => {
    if (agent === null) {
      const undici = require('undici') as typeof import('undici');
      agent = new undici.Agent({
        connections: options.connectionsPerOrigin ?? 8,
        connect: { timeout: options.connectTimeoutMs ?? 5_000 },
        headersTimeout: options.headersTimeoutMs ?? 10_000,
        bodyTimeout: options.bodyTimeoutMs ?? 30_000,
      });
    }
    return agent;
  };

  async function exchange(url: URL, request: HttpRequest, headers: Record<string, string>): Promise<HttpResponse> {
    const res = await pool().request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: request.method,
      headers,
      signal: request.signal,
    });
    const responseHeaders = normaliseHeaders(res.headers);
    if (REDIRECT_STATUSES.has(res.statusCode) || request.method === 'HEAD') {
      await res.body.dump();
      return { url, status: res.statusCode, headers: responseHeaders, body: Buffer.alloc(0) };
    }
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    const body = await readCappedBody(
      res.body,
      ok ? request.maxBytes : ERROR_BODY_LIMIT,
      parseContentLength(responseHeaders.get('content-length')),
      ok ? 'error' : 'cut',
    );
    return { url, status: res.statusCode, headers: responseHeaders, body };
  }

  async function withRetries(url: URL, request: HttpRequest, headers: Record<string, string>): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      let waitMs: number;
      try {
        const res = await exchange(url, request, headers);
        if (!RETRY_STATUSES.has(res.status) || attempt >= settings.retries) return res;
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'), settings.now(), settings.maxRetryDelayMs);
        waitMs = retryAfter ?? backoff(attempt);
      } catch (err) {
        if (request.signal.aborted) throw abortedError(request.signal, url);
        if (!isTransientError(err) || attempt >= settings.retries) throw describeNetworkError(err, url);
        waitMs = backoff(attempt);
      }
      try {
        await sleep(waitMs, undefined, { signal: request.signal });
      } catch {
        throw abortedError(request.signal, url);
      }
    }
  }

  function backoff(attempt: number): number {
    return Math.min(settings.retryBaseMs * 2 ** attempt, settings.maxRetryDelayMs);
  }

  async function send(request: HttpRequest): Promise<HttpResponse> {
    if (request.signal.aborted) throw abortedError(request.signal, request.url);
    const visited = new Set<string>();
    let url = request.url;
    let headers: Record<string, string> = { ...request.headers };
    for (;;) {
      visited.add(url.href);
      const res = await withRetries(url, request, headers);
      if (!REDIRECT_STATUSES.has(res.status)) return res;
      const next = redirectTarget(res, url, visited, settings.maxRedirects, options.insecureRegistries);
      // Credentials are for the registry only: storage backends (S3, GCS) receive a pre-signed URL instead,
      // and some reject a request that carries both (distribution docs, "storage redirects").
      if (next.origin !== request.url.origin) headers = withoutAuthorization(headers);
      url = next;
    }
  }

  return { send, close: async () => agent?.close() };
}

function redirectTarget(
  res: HttpResponse,
  from: URL,
  visited: ReadonlySet<string>,
  maxRedirects: number,
  insecureRegistries: ReadonlySet<string>,
): URL {
  const location = res.headers.get('location');
  if (location === undefined) throw new RegistryError(`${from.host} answered ${res.status} without a Location header`);
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new RegistryError(`${from.host} redirected to an invalid URL`);
  }
  if (next.protocol !== 'https:' && !(next.protocol === 'http:' && allowsPlainHttp(next.host, insecureRegistries))) {
    throw new RegistryError(`${from.host} redirected to ${next.protocol}//${next.host}: only HTTPS (or an insecure registry) is followed`);
  }
  if (visited.has(next.href)) throw new RegistryError(`redirect loop at ${from.host}${from.pathname}`);
  if (visited.size > maxRedirects) throw new RegistryError(`more than ${maxRedirects} redirects from ${from.host}${from.pathname}`);
  return next;
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'authorization'));
}

function normaliseHeaders(headers: IncomingHttpHeaders): ReadonlyMap<string, string> {
  const result = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    result.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
  }
  return result;
}
