import type { Command } from 'commander';
import { UsageError, errorMessage } from '../errors';
import { type CredentialLookup, defaultDockerConfigPath, dockerConfigFileCredentials } from '../registry/docker-config';
import type { RegistryClientOptions } from '../registry/registry-client';
import { insecureRegistriesFrom } from '../registry/registry-endpoint';

// The registry flags (SPEC §8) are program options, so they are given once for every command that talks to
// a registry (approve, revoke, explain, serve) and, as commander allows, before or after the subcommand.

/**
 * How long a review waits for registries in `tags: resolve` mode (`serve`, `explain`): well under the API
 * server's webhook timeout, so a slow registry yields a `tag-unresolved` deny, not a timed-out webhook that
 * the API server would settle with its own `defaultAllow`.
 */
export const DEFAULT_RESOLVE_DEADLINE_MS = 2000;

/** The program options that configure the registry client, as commander parses them. */
export interface RegistryFlags {
  readonly insecureRegistry?: readonly string[];
  readonly registryConfig?: string;
  readonly registryUsername?: string;
  readonly registryPasswordStdin?: boolean;
}

export function addRegistryOptions(program: Command): void {
  program
    .option(
      '--insecure-registry <host>',
      'registry HOST[:PORT] reached over plain HTTP (repeatable; env IMAGE_REVIEWER_INSECURE_REGISTRIES, comma-separated)',
      collect,
    )
    .option('--registry-config <file>', 'Docker config.json with registry credentials (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)')
    .option('--registry-username <name>', 'registry user name, used for every registry that asks (with --registry-password-stdin)')
    .option('--registry-password-stdin', 'read the registry password from stdin (as docker login --password-stdin)');
}

// No default value: commander would print `(default: [])` in the help.
function collect(value: string, previous: readonly string[] = []): readonly string[] {
  return [...previous, value];
}

/**
 * The client options the flags describe. Called only when a command first needs the registry, so `audit` or
 * `approve --offline` never read stdin or validate registry flags they do not use.
 */
export async function registryClientOptions(
  flags: RegistryFlags,
  env: NodeJS.ProcessEnv,
  stdin: NodeJS.ReadableStream,
): Promise<RegistryClientOptions> {
  const insecureRegistries = insecureRegistriesFrom(flags.insecureRegistry ?? [], env);
  if (flags.registryPasswordStdin === true && flags.registryUsername === undefined) {
    throw new UsageError('--registry-password-stdin needs --registry-username');
  }
  if (flags.registryUsername !== undefined && flags.registryPasswordStdin !== true) {
    // A password on the command line would be visible to every user in `ps` (why docker login has --password-stdin).
    throw new UsageError('--registry-username needs --registry-password-stdin (the password is read from stdin)');
  }
  const credentials =
    flags.registryUsername === undefined
      ? dockerConfigFileCredentials(flags.registryConfig ?? defaultDockerConfigPath(env))
      : fixedCredentials(flags.registryUsername, await readPassword(stdin));
  return { insecureRegistries, credentials };
}

/**
 * Flag credentials answer every registry that challenges: they replace the config file rather than merge with
 * it, so which account is used never depends on a file the operator did not name.
 */
function fixedCredentials(username: string, password: string): CredentialLookup {
  const credentials = { username, password };
  return () => credentials;
}

/** All of stdin, less one trailing line break, as `docker login --password-stdin` reads it. */
async function readPassword(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  } catch (err) {
    throw new UsageError(`--registry-password-stdin: cannot read stdin: ${errorMessage(err)}`);
  }
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') throw new UsageError('--registry-password-stdin: stdin held no password');
  return password;
}
