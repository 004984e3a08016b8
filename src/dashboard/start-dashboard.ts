import fs from 'node:fs';
import net from 'node:net';
import { UsageError, errorMessage } from '../errors';
import type { CompiledPolicy } from '../core/types';
import type { Logger } from '../logger';
import { type ListenAddress, formatListen, parseListen } from '../http/parse-listen';
import { expressMessageClasses } from '../http/express-messages';
import { type ServerTlsOptions, startServer } from '../http/server';
import { openStoreAt } from '../store/open-store';
import type { StoreLocation } from '../store/store-location';
import { startBackgroundVerification } from './background-verification';
import { createDashboardApp } from './create-dashboard-app';

// `serve --dashboard HOST:PORT [--dashboard-token-file F] [--dashboard-tls-cert C --dashboard-tls-key K
// [--dashboard-client-ca CA]]` (SPEC §7, §10; issue 15 item 2): the dashboard on a listener of its own, loopback by
// default. Anywhere else it is reachable by others, so a token or a client certificate is then required: without
// either, serve refuses to start rather than expose the audit trail. TLS is the webhook's own (src/http/server.ts:
// certificates reloaded when the files change); with a client CA the handshake itself refuses any client without a
// certificate it signed.

export const DEFAULT_DASHBOARD_PORT = 8081;
/** The shortest pause between two background verifications of the chain (background-verification.ts). */
export const VERIFY_MIN_INTERVAL_MS = 60_000;
/** A token short enough to guess is no protection. */
const MIN_TOKEN_LENGTH = 16;

export interface DashboardSettings {
  readonly listen: ListenAddress;
  readonly token: string | null;
  readonly tls: ServerTlsOptions | null;
}

/** serve's dashboard flags, as given. */
export interface DashboardFlags {
  readonly listen?: string;
  readonly tokenFile?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly clientCa?: string;
}

export interface RunningDashboard {
  /** Where to open it (never with the token). */
  readonly url: string;
  close(graceMs: number): Promise<void>;
}

/** Checks the flags (UsageError): what `serve` refuses before it opens anything. */
export function dashboardSettings(flags: DashboardFlags): DashboardSettings | null {
  if (flags.listen === undefined) {
    const given = (
      [
        ['--dashboard-token-file', flags.tokenFile],
        ['--dashboard-tls-cert', flags.tlsCert],
        ['--dashboard-tls-key', flags.tlsKey],
        ['--dashboard-client-ca', flags.clientCa],
      ] as const
    ).find(([, value]) => value !== undefined);
    if (given !== undefined) throw new UsageError(`${given[0]} needs --dashboard HOST:PORT`);
    return null;
  }
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new UsageError('--dashboard-tls-cert and --dashboard-tls-key go together');
  }
  if (flags.clientCa !== undefined && flags.tlsCert === undefined) {
    throw new UsageError('--dashboard-client-ca needs --dashboard-tls-cert and --dashboard-tls-key (client certificates are a TLS feature)');
  }
  const address = parseListen(flags.listen, DEFAULT_DASHBOARD_PORT);
  const token = flags.tokenFile === undefined ? null : readToken(flags.tokenFile);
  if (token === null && flags.clientCa === undefined && !isLoopback(address.host)) {
    throw new UsageError(
      `--dashboard ${formatListen(address)} is not a loopback address: give --dashboard-token-file or --dashboard-client-ca (the audit trail must not be open to the network)`,
    );
  }
  const tls =
    flags.tlsCert === undefined || flags.tlsKey === undefined
      ? null
      : { certFile: flags.tlsCert, keyFile: flags.tlsKey, clientCaFile: flags.clientCa, unauthenticatedPaths: [] };
  return { listen: address, token, tls };
}

export async function startDashboard(
  settings: DashboardSettings,
  deps: { readonly location: StoreLocation; readonly logger: Logger; readonly clock: () => number; readonly policy: () => CompiledPolicy },
): Promise<RunningDashboard> {
  const store = await openStoreAt(deps.location, 'read-only');
  const verification = startBackgroundVerification({ location: deps.location, minIntervalMs: VERIFY_MIN_INTERVAL_MS, clock: deps.clock, logger: deps.logger });
  try {
    const app = createDashboardApp({
      store,
      verification: verification.current,
      policy: deps.policy,
      clock: deps.clock,
      token: settings.token,
      logger: deps.logger,
    });
    const server = await startServer({ app, messages: expressMessageClasses(app), listen: settings.listen, tls: settings.tls ?? undefined, logger: deps.logger });
    let closed: Promise<void> | null = null;
    const close = async (graceMs: number): Promise<void> => {
      await server.close(graceMs);
      verification.stop();
      await store.close();
    };
    // Closed once, whether by the shutdown or by serve's clean-up after a failed start.
    return { url: `${server.protocol}://${formatListen(server.address)}/`, close: (graceMs) => (closed ??= close(graceMs)) };
  } catch (err) {
    verification.stop();
    await store.close();
    throw err;
  }
}

function readToken(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`--dashboard-token-file: cannot read ${file}: ${errorMessage(err)}`);
  }
  if (text.length < MIN_TOKEN_LENGTH || /\s/.test(text)) {
    throw new UsageError(`--dashboard-token-file: ${file} must hold one token of at least ${MIN_TOKEN_LENGTH} characters without spaces`);
  }
  return text;
}

/** `localhost`, 127.0.0.0/8 and ::1: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return net.isIPv6(host) && (host === '::1' || host === '0:0:0:0:0:0:0:1');
}
