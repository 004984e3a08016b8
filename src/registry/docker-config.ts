// Registry credentials from a Docker client `config.json` (docker/cli cli/config/configfile):
//   {"auths": {"registry.corp.example": {"auth": base64("user:pass")}, "https://index.docker.io/v1/": {...}}}
// Only inline credentials are read. Credential helpers (`credsStore`, `credHelpers`) run external programs
// and `identitytoken` needs an OAuth refresh flow; neither is supported (README, Registries, says so).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RegistryError, errorMessage } from '../errors';
import { errorCode } from './error-code';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Credentials for a registry host (`host[:port]`, `docker.io` for Docker Hub), or null for anonymous access. */
export type CredentialLookup = (registry: string) => Credentials | null;

/** Registry host (normalised: scheme and path dropped, lowercase) → credentials. */
export type DockerConfig = ReadonlyMap<string, Credentials>;

// docker/cli registry.ConvertToHostname and the keys `docker login` writes for Docker Hub.
const DOCKER_HUB_KEYS = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, as the Docker CLI looks it up. */
export function defaultDockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : path.join(os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

/** Reads a config.json; a missing file is an empty config (anonymous access), an unreadable or invalid one an error. */
export async function loadDockerConfig(file: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return new Map();
    throw new RegistryError(`cannot read Docker config ${file}: ${errorMessage(err)}`);
  }
  return parseDockerConfig(text, file);
}

export function parseDockerConfig(text: string, source = 'Docker config'): DockerConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RegistryError(`${source} is not valid JSON: ${errorMessage(err)}`);
  }
  if (!isRecord(json)) throw new RegistryError(`${source} is not a JSON object`);
  const auths = json.auths;
  if (auths === undefined) return new Map();
  if (!isRecord(auths)) throw new RegistryError(`${source}: "auths" is not an object`);
  const result = new Map<string, Credentials>();
  for (const [key, entry] of Object.entries(auths)) {
    const credentials = entryCredentials(entry, key, source);
    if (credentials !== null) result.set(configKeyHost(key), credentials);
  }
  return result;
}

/** The lookup function the registry client takes: Docker Hub under any of the names `docker login` uses. */
export function dockerConfigCredentials(config: DockerConfig): CredentialLookup {
  return (registry) => {
    const host = registry.toLowerCase();
    const keys = DOCKER_HUB_KEYS.includes(host) ? DOCKER_HUB_KEYS : [host];
    for (const key of keys) {
      const found = config.get(key);
      if (found !== undefined) return found;
    }
    return null;
  };
}

/**
 * A lookup that reads `file` on the first 401 challenge only, so commands that never meet an authenticating
 * registry never touch it, and the client can be built before flags are parsed. A missing file is anonymous.
 */
export function dockerConfigFileCredentials(file: string): CredentialLookup {
  let lookup: CredentialLookup | null = null;
  return (registry) => {
    if (lookup === null) {
      let text: string | null = null;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        if (errorCode(err) !== 'ENOENT') throw new RegistryError(`cannot read Docker config ${file}: ${errorMessage(err)}`);
      }
      lookup = dockerConfigCredentials(text === null ? new Map() : parseDockerConfig(text, file));
    }
    return lookup(registry);
  };
}

function entryCredentials(entry: unknown, key: string, source: string): Credentials | null {
  if (!isRecord(entry)) throw new RegistryError(`${source}: auths["${key}"] is not an object`);
  if (typeof entry.auth === 'string' && entry.auth !== '') return decodeAuth(entry.auth, key, source);
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password };
  }
  return null; // an entry kept only for a credential helper or an identity token
}

function decodeAuth(auth: string, key: string, source: string): Credentials {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(auth)) throw new RegistryError(`${source}: auths["${key}"].auth is not base64`);
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  // The password may itself contain ':' (docker/cli configfile.decodeAuth splits at the first one).
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new RegistryError(`${source}: auths["${key}"].auth does not decode to user:password`);
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `https://index.docker.io/v1/` → `index.docker.io` (docker/cli registry.ConvertToHostname). */
function configKeyHost(key: string): string {
  const withoutScheme = key.replace(/^https?:\/\//i, '');
  return (withoutScheme.split('/', 1)[0] ?? '').toLowerCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
