// Where a registry host is reached and over which scheme (SPEC §8).
import { UsageError } from '../errors';

/**
 * Docker Hub's API lives on `registry-1.docker.io`, not `docker.io` (docker/docker registry/config.go
 * DefaultRegistryHost); every other registry serves `/v2/` on its own host.
 */
export function registryApiHost(registry: string): string {
  const host = registry.toLowerCase();
  return host === 'docker.io' || host === 'index.docker.io' ? 'registry-1.docker.io' : host;
}

/** Splits `host[:port]` / `[v6]:port` and returns the host part, lowercase, brackets kept. */
function hostPart(hostPort: string): string {
  const lower = hostPort.toLowerCase();
  if (lower.startsWith('[')) {
    const end = lower.indexOf(']');
    return end === -1 ? lower : lower.slice(0, end + 1);
  }
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

/** `localhost`, `127.0.0.0/8` and `[::1]`, with or without a port: Docker treats these as insecure by default. */
export function isLoopbackHost(hostPort: string): boolean {
  const host = hostPart(hostPort);
  if (host === 'localhost' || host === '[::1]') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return octets !== null && octets.slice(1).every((o) => Number(o) <= 255);
}

/**
 * Plain HTTP is used only for loopback hosts and hosts listed as insecure (exact `host[:port]` match, as
 * Docker's `insecure-registries` matches the registry name); everything else is HTTPS with verification.
 */
export function allowsPlainHttp(hostPort: string, insecureRegistries: ReadonlySet<string>): boolean {
  return isLoopbackHost(hostPort) || insecureRegistries.has(hostPort.toLowerCase());
}

/** The origin (`https://registry.corp.example`) that serves the registry API for a reference's registry. */
export function registryOrigin(registry: string, insecureRegistries: ReadonlySet<string>): string {
  const host = registryApiHost(registry);
  return `${allowsPlainHttp(host, insecureRegistries) ? 'http' : 'https'}://${host}`;
}

const HOST_PORT = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:]+\])(?::[0-9]{1,5})?$/;

/**
 * Validates `--insecure-registry HOST` values and `IMAGE_REVIEWER_INSECURE_REGISTRIES` (comma-separated)
 * into a set of lowercase `host[:port]`. A URL (`http://host`) is refused rather than guessed at.
 */
export function parseInsecureRegistries(values: readonly string[]): ReadonlySet<string> {
  const result = new Set<string>();
  for (const value of values.flatMap((v) => v.split(','))) {
    const entry = value.trim().toLowerCase();
    if (entry === '') continue;
    if (!HOST_PORT.test(entry)) throw new UsageError(`insecure registry must be HOST or HOST:PORT, got "${value.trim()}"`);
    result.add(entry);
  }
  return result;
}

/** The insecure registries from `--insecure-registry` flags plus `IMAGE_REVIEWER_INSECURE_REGISTRIES`. */
export function insecureRegistriesFrom(flags: readonly string[], env: NodeJS.ProcessEnv = process.env): ReadonlySet<string> {
  const fromEnv = env.IMAGE_REVIEWER_INSECURE_REGISTRIES;
  return parseInsecureRegistries(fromEnv === undefined ? flags : [...flags, fromEnv]);
}
