import net from 'node:net';
import { UsageError } from '../errors';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Parses `--listen HOST:PORT` (SPEC §7). IPv6 hosts are bracketed as in URLs (`[::]:8443`, RFC 3986 §3.2.2); a host
 * without a port gets `defaultPort`; port 0 asks the OS for a free port (tests). Anything else is a usage error.
 */
export function parseListen(text: string, defaultPort: number): ListenAddress {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(trimmed);
  if (bracketed) {
    const host = bracketed[1] ?? '';
    if (net.isIPv6(host)) return { host, port: parsePort(bracketed[2], defaultPort, text) };
    throw new UsageError(`invalid --listen "${text}": "${host}" is not an IPv6 address`);
  }
  const colons = trimmed.split(':').length - 1;
  if (colons > 1) {
    throw new UsageError(`invalid --listen "${text}": write an IPv6 address in brackets, e.g. [::]:8443`);
  }
  const [host = '', port] = trimmed.split(':');
  if (host === '' || /^\d+$/.test(host)) {
    throw new UsageError(`invalid --listen "${text}": expected HOST:PORT, e.g. 0.0.0.0:8443`);
  }
  if (!net.isIPv4(host) && !HOSTNAME.test(host)) {
    throw new UsageError(`invalid --listen "${text}": "${host}" is not an IP address or host name`);
  }
  return { host, port: parsePort(port, defaultPort, text) };
}

function parsePort(port: string | undefined, defaultPort: number, text: string): number {
  if (port === undefined) return defaultPort;
  const value = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(value >= 0 && value <= 65535)) {
    throw new UsageError(`invalid --listen "${text}": port must be a number from 0 to 65535`);
  }
  return value;
}

/** `host:port` with IPv6 bracketed, for log lines and URLs. */
export function formatListen(address: ListenAddress): string {
  return net.isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
