// Turns transport failures into one-line RegistryErrors that say what to check (SPEC §8 "clear errors").
import { RegistryError } from '../errors';
import { errorCode } from './error-code';
import { BodyTooLargeError, TruncatedBodyError } from './read-capped-body';

// Connection closed or reset mid-exchange: worth another attempt for our idempotent GET/HEAD requests.
const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);

export function isTransientError(err: unknown): boolean {
  return err instanceof TruncatedBodyError || TRANSIENT_CODES.has(errorCode(err) ?? '');
}

// Node/OpenSSL verification codes (tls.TLSSocket authorizationError) and OpenSSL protocol errors.
function isTlsError(code: string): boolean {
  return /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/.test(code) || code === 'EPROTO';
}

export function describeNetworkError(err: unknown, url: URL): RegistryError {
  if (err instanceof RegistryError) return err;
  const host = url.host;
  const code = errorCode(err) ?? '';
  const detail = messageOf(err);
  if (err instanceof BodyTooLargeError) return new RegistryError(`${host} sent more than ${err.limit} bytes for ${url.pathname}: refused`);
  if (err instanceof TruncatedBodyError || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return new RegistryError(`${host} sent a truncated answer for ${url.pathname}: ${detail}`);
  }
  if (isTlsError(code)) {
    return new RegistryError(
      `TLS failure talking to ${host}: ${detail} (a private CA can be trusted with NODE_EXTRA_CA_CERTS)`,
    );
  }
  if (code.startsWith('HPE_')) {
    return new RegistryError(`${host} did not answer in HTTP (${detail}); if it serves HTTPS, do not list it as insecure`);
  }
  switch (code) {
    case 'ECONNREFUSED':
      return new RegistryError(`cannot connect to ${host}: connection refused`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new RegistryError(`cannot resolve registry host ${url.hostname}`);
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new RegistryError(`connecting to ${host} timed out`);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new RegistryError(`${host} did not answer ${url.pathname} in time`);
    case 'UND_ERR_BODY_TIMEOUT':
      return new RegistryError(`${host} stalled while sending ${url.pathname}`);
    default:
      return new RegistryError(`request to ${host} failed: ${detail}${code === '' ? '' : ` (${code})`}`);
  }
}

/** The error for a request stopped by the caller's signal (deadline or cancellation). */
export function abortedError(signal: AbortSignal, url: URL): RegistryError {
  const reason: unknown = signal.reason;
  if (reason instanceof RegistryError) return reason;
  // AbortSignal.timeout() aborts with a DOMException named TimeoutError (WHATWG DOM "timeout").
  if (typeof reason === 'object' && reason !== null && 'name' in reason && reason.name === 'TimeoutError') {
    return new RegistryError(`${url.host} did not answer in time (request deadline passed)`);
  }
  return new RegistryError(`request to ${url.host} was cancelled`);
}

/** Errors from Node internals may come from another realm (vm, test runners): read `message` structurally. */
function messageOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') return err.message;
  return String(err);
}
