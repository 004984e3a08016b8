import fs from 'node:fs';
import net from 'node:net';
import { UsageError, errorMessage } from '../errors';
import type { CompiledPolicy } from '../core/types';
import type { Logger } from '../logger';
import { type ListenAddress, formatListen, parseListen } from '../http/parse-listen';
import { startServer } from '../http/server';
import { openSqliteStore } from '../store/sqlite/open-sqlite-store';
import { startBackgroundVerification } from './background-verification';
import { createDashboardApp } from './create-dashboard-app';

// `serve --dashboard HOST:PORT [--dashboard-token-file F]` (SPEC §7, §10): the dashboard on a listener of its own,
// loopback by default. Anywhere else it is reachable by others, so a token is then required: without one, serve
// refuses to start rather than expose the audit trail.

export const DEFAULT_DASHBOARD_PORT = 8081;
/** The shortest pause between two background verifications of the chain (background-verification.ts). */
export const VERIFY_MIN_INTERVAL_MS = 60_000;
/** A token short enough to guess is no protection. */
const MIN_TOKEN_LENGTH = 16;

export interface DashboardSettings {
  readonly listen: ListenAddress;
  readonly token: string | null;
}

export interface RunningDashboard {
  /** Where to open it (never with the token). */
  readonly url: string;
  close(graceMs: number): Promise<void>;
}

/** Checks the flags (UsageError): what `serve` refuses before it opens anything. */
export function dashboardSettings(listen: string | undefined, tokenFile: string | undefined): DashboardSettings | null {
  if (listen === undefined) {
    if (tokenFile !== undefined) throw new UsageError('--dashboard-token-file needs --dashboard HOST:PORT');
    return null;
  }
  const address = parseListen(listen, DEFAULT_DASHBOARD_PORT);
  const token = tokenFile === undefined ? null : readToken(tokenFile);
  if (token === null && !isLoopback(address.host)) {
    throw new UsageError(
      `--dashboard ${formatListen(address)} is not a loopback address: give --dashboard-token-file (the audit trail must not be open to the network)`,
    );
  }
  return { listen: address, token };
}

export async function startDashboard(
  settings: DashboardSettings,
  deps: { readonly dbPath: string; readonly logger: Logger; readonly clock: () => number; readonly policy: () => CompiledPolicy },
): Promise<RunningDashboard> {
  const store = openSqliteStore(deps.dbPath, 'read-only');
  const verification = startBackgroundVerification({ file: deps.dbPath, minIntervalMs: VERIFY_MIN_INTERVAL_MS, clock: deps.clock, logger: deps.logger });
  try {
    const app = createDashboardApp({
      store,
      verification: verification.current,
      policy: deps.policy,
      clock: deps.clock,
      token: settings.token,
      logger: deps.logger,
    });
    const server = await startServer({ app, listen: settings.listen, logger: deps.logger });
    let closed: Promise<void> | null = null;
    const close = async (graceMs: number): Promise<void> => {
      await server.close(graceMs);
      verification.stop();
      await store.close();
    };
    // Closed once, whether by the shutdown or by serve's clean-up after a failed start.
    return { url: `http://${formatListen(server.address)}/`, close: (graceMs) => (closed ??= close(graceMs)) };
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
