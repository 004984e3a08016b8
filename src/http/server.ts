// The listening socket around the Express app: HTTP or HTTPS (optionally mutual TLS), timeouts suited to the API
// server's Go client, certificate reload without restart, and graceful shutdown (SPEC §9).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { AppError, EXIT_FAILED, UsageError, errorMessage } from '../errors';
import type { Logger } from '../logger';
import { closeGracefully, trackSockets } from './close-gracefully';
import type { MessageClasses } from './express-messages';
import { sendError } from './http-errors';
import { type ListenAddress, formatListen } from './parse-listen';
import {
  type TlsFiles,
  type TlsWatcher,
  checkTlsMaterial,
  describeCertificate,
  readTlsMaterial,
  secureContextOptions,
  watchTlsFiles,
} from './tls-files';

export type { ListenAddress } from './parse-listen';
export { parseListen } from './parse-listen';

export interface ServerLimits {
  /** Time to receive the request headers, counted from the request's first byte (Node ≥ 18). */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request (headers and body); the handler's own time is not counted. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open. */
  readonly keepAliveTimeoutMs: number;
}

/**
 * The API server's webhook client is Go's net/http, which keeps idle connections for 90 s (DefaultTransport
 * IdleConnTimeout) and does not retry a POST whose reused connection the server has just closed. Keeping idle
 * connections a little longer than the client does means the client is always the side that closes them.
 * In Node ≥ 18 the headers timeout only runs while a request is arriving (an idle keep-alive connection is governed by
 * keepAliveTimeout alone) and must not exceed requestTimeout, so it can stay short; ImageReviews are a few KB.
 */
export const DEFAULT_LIMITS: ServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 95_000 };

/** A TLS handshake that has not finished in 10 s is a stalled or hostile client (Node's default is 120 s). */
const HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_TLS_RELOAD_INTERVAL_MS = 5_000;

/** The health paths kubelet probes call; pass as `unauthenticatedPaths` with a client CA (deploy/kubernetes). */
export const PROBE_PATHS: readonly string[] = ['/healthz', '/readyz'];

export interface ServerTlsOptions extends TlsFiles {
  /** How often the files are re-read for a rotated certificate; default 5 s. */
  readonly reloadIntervalMs?: number;
  /**
   * With `clientCaFile`: GET/HEAD paths answered without a client certificate (kubelet probes cannot present one).
   * Empty (default): the handshake itself refuses clients without a certificate from the CA. Non-empty: the handshake
   * asks for a certificate but lets the request through, and every other path gets 403 unless it was verified.
   */
  readonly unauthenticatedPaths?: readonly string[];
}

export interface StartServerOptions {
  readonly app: http.RequestListener;
  /** The classes of the requests and responses the server creates (expressMessageClasses for an Express app). */
  readonly messages?: MessageClasses;
  readonly listen: ListenAddress;
  readonly tls?: ServerTlsOptions;
  readonly limits?: Partial<ServerLimits>;
  readonly logger: Logger;
}

export interface RunningServer {
  /** Where it listens; port is the one chosen by the OS when 0 was asked for. */
  readonly address: ListenAddress;
  readonly protocol: 'http' | 'https';
  /** Stops accepting, lets in-flight requests finish, closes idle connections; after `graceMs` destroys the rest. */
  close(graceMs: number): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const limits = resolveLimits(options.limits);
  const state = { closing: false };
  const listener = guardListener(options, state);
  const { server, watcher } = options.tls
    ? createTlsServer(options.tls, options.messages, listener, options.logger)
    : { server: http.createServer({ ...options.messages }, listener), watcher: undefined };
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  const sockets = trackSockets(server);
  try {
    await listen(server, options.listen);
  } catch (err) {
    watcher?.stop();
    throw err;
  }
  const { address, port } = boundAddress(server);
  const protocol = options.tls ? 'https' : 'http';
  options.logger.info('listening', { address: formatListen({ host: address, port }), protocol, ...limits });
  let closed: Promise<void> | undefined;
  return {
    address: { host: address, port },
    protocol,
    close: (graceMs) => {
      state.closing = true;
      watcher?.stop();
      closed ??= closeGracefully(server, sockets, graceMs, options.logger);
      return closed;
    },
  };
}

function boundAddress(server: http.Server | https.Server): AddressInfo {
  const info = server.address();
  // Only a pipe or a closed server gives a string or null; startServer listens on TCP and has just bound.
  if (info === null || typeof info === 'string') throw new AppError('server has no TCP address', EXIT_FAILED, 500);
  return info;
}

function resolveLimits(given: Partial<ServerLimits> | undefined): ServerLimits {
  const limits = { ...DEFAULT_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0) throw new UsageError(`${name} must be a positive number of ms`);
  }
  // Node refuses headersTimeout > requestTimeout (ERR_OUT_OF_RANGE); say so in our words.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new UsageError('headersTimeoutMs must not exceed requestTimeoutMs');
  }
  return limits;
}

function createTlsServer(
  options: ServerTlsOptions,
  messages: MessageClasses | undefined,
  listener: http.RequestListener,
  logger: Logger,
): { server: https.Server; watcher: TlsWatcher } {
  const material = readTlsMaterial(options);
  checkTlsMaterial(material, options);
  const mutual = options.clientCaFile !== undefined;
  const strict = mutual && (options.unauthenticatedPaths ?? []).length === 0;
  const server = https.createServer(
    {
      ...secureContextOptions(material),
      requestCert: mutual,
      rejectUnauthorized: strict,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      ...messages,
    },
    listener,
  );
  logger.info('TLS certificate loaded', { ...describeCertificate(material.cert), clientAuth: mutual });
  server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
    // Node verifies the client certificate after the handshake and destroys the socket, recording why in
    // `authorizationError` (the error itself is then a bare "socket hang up"). A wrong or missing client certificate
    // is worth a warning; port scanners and TCP health checks are noise.
    const authorizationError = socket.authorizationError === undefined ? undefined : String(socket.authorizationError);
    const level = authorizationError !== undefined || /CERT|UNKNOWN_CA/i.test(`${err.code} ${err.message}`) ? 'warn' : 'debug';
    logger[level]('TLS handshake failed', { remoteAddress: socket.remoteAddress, error: err.message, authorizationError });
  });
  const watcher = watchTlsFiles({
    files: options,
    intervalMs: options.reloadIntervalMs ?? DEFAULT_TLS_RELOAD_INTERVAL_MS,
    initialHash: material.hash,
    onChange: (next) => {
      checkTlsMaterial(next, options);
      server.setSecureContext(secureContextOptions(next));
      logger.info('TLS certificate reloaded', describeCertificate(next.cert));
    },
    onError: (message) => logger.error('TLS files not reloaded; the previous certificate stays in use', { error: message }),
  });
  return { server, watcher };
}

function guardListener(options: StartServerOptions, state: { readonly closing: boolean }): http.RequestListener {
  const open = new Set(options.tls?.unauthenticatedPaths ?? []);
  const checkClient = options.tls?.clientCaFile !== undefined && open.size > 0;
  return (req, res) => {
    // During shutdown, a request on a kept-alive connection is still served, but the connection closes after it.
    if (state.closing) res.setHeader('Connection', 'close');
    if (checkClient && !clientVerified(req) && !isOpenRequest(req, open)) {
      options.logger.warn('request without a verified client certificate refused', {
        remoteAddress: req.socket.remoteAddress,
        path: pathOf(req),
      });
      refuseUnverified(res);
      return;
    }
    options.app(req, res);
  };
}

/** 403 as the Kubernetes `Status` body every other answer of the server uses; the connection is not reused. */
function refuseUnverified(res: http.ServerResponse): void {
  res.setHeader('Connection', 'close');
  sendError(res, 403, 'a client certificate signed by the configured client CA is required');
}

function clientVerified(req: http.IncomingMessage): boolean {
  return req.socket instanceof TLSSocket && req.socket.authorized;
}

function isOpenRequest(req: http.IncomingMessage, open: ReadonlySet<string>): boolean {
  // Exact match only, so `/healthz/../imagereview` or `/HEALTHZ` never counts as open.
  return (req.method === 'GET' || req.method === 'HEAD') && open.has(pathOf(req));
}

function pathOf(req: http.IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function listen(server: http.Server | https.Server, address: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new AppError(`cannot listen on ${formatListen(address)}: ${errorMessage(err)}`, EXIT_FAILED, 500));
    };
    server.once('error', onError);
    server.listen(address.port, address.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
