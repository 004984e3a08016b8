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
import { fieldValue, jsonOk, jsonPath, jsonProblem, optionalField, parseJson, problemText, readObject } from '../core/json-reader';
import type { JsonRead } from '../core/json-reader';

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
  const parsed = parseJson(text);
  if (!parsed.ok) throw new RegistryError(`${source} ${problemText(parsed)}`);
  const auths = readConfig(parsed.value);
  if (!auths.ok) throw new RegistryError(`${source}: ${problemText(auths)}`);
  const result = new Map<string, Credentials>();
  for (const [key, credentials] of auths.value) result.set(configKeyHost(key), credentials);
  return result;
}

function readConfig(json: unknown): JsonRead<readonly (readonly [string, Credentials])[]> {
  const config = readObject(json, '');
  if (!config.ok) return config;
  const auths = optionalField(config.value, 'auths', '', readObject);
  if (!auths.ok) return auths;
  const entries: [string, Credentials][] = [];
  for (const [key, entry] of Object.entries(auths.value ?? {})) {
    const credentials = entryCredentials(entry, jsonPath('auths', key));
    if (!credentials.ok) return credentials;
    if (credentials.value !== null) entries.push([key, credentials.value]);
  }
  return jsonOk(entries);
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

function entryCredentials(value: unknown, path: string): JsonRead<Credentials | null> {
  const entry = readObject(value, path);
  if (!entry.ok) return entry;
  const auth = fieldValue(entry.value, 'auth');
  if (typeof auth === 'string' && auth !== '') return decodeAuth(auth, jsonPath(path, 'auth'));
  const username = fieldValue(entry.value, 'username');
  const password = fieldValue(entry.value, 'password');
  if (typeof username === 'string' && typeof password === 'string') return jsonOk({ username, password });
  return jsonOk(null); // an entry kept only for a credential helper or an identity token
}

function decodeAuth(auth: string, path: string): JsonRead<Credentials> {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(auth)) return jsonProblem(path, 'is not base64');
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  // The password may itself contain ':' (docker/cli configfile.decodeAuth splits at the first one).
  const colon = decoded.indexOf(':');
  if (colon <= 0) return jsonProblem(path, 'does not decode to user:password');
  return jsonOk({ username: decoded.slice(0, colon), password: decoded.slice(colon + 1) });
}

/** `https://index.docker.io/v1/` → `index.docker.io` (docker/cli registry.ConvertToHostname). */
function configKeyHost(key: string): string {
  const withoutScheme = key.replace(/^https?:\/\//i, '');
  return (withoutScheme.split('/', 1)[0] ?? '').toLowerCase();
}

