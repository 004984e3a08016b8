import type { RegistryClient, RegistryClientOptions } from '../registry/registry-client';
import type { RegistryLookup } from '../registry/types';

/**
 * What the registry-using commands take: a lookup (tests pass a fake), or a function that gives the CLI's
 * client on first need, so a command that never asks a registry never creates one.
 */
export type RegistrySource = RegistryLookup | (() => Promise<RegistryLookup>);

export function openRegistry(source: RegistrySource): Promise<RegistryLookup> {
  return typeof source === 'function' ? source() : Promise.resolve(source);
}

export interface RegistryProvider {
  /** The one client of this run, created on the first call (the flags are validated, stdin read, then). */
  readonly get: () => Promise<RegistryLookup>;
  /** Closes the client, if one was created, so pooled keep-alive connections do not hold the process open. */
  close(): Promise<void>;
}

export function createRegistryProvider(
  options: () => Promise<RegistryClientOptions>,
  create: (options: RegistryClientOptions) => Promise<RegistryClient> = loadRegistryClient,
): RegistryProvider {
  let client: Promise<RegistryClient> | null = null;
  return {
    get: () => {
      client ??= options().then(create);
      return client;
    },
    close: async () => {
      if (client === null) return;
      // A client that failed to be created (bad flags) has nothing to close; its error was already reported.
      const created = await client.catch(() => null);
      await created?.close();
    },
  };
}

/** Loaded on first use: a command that never asks a registry does not load undici at all. */
async function loadRegistryClient(options: RegistryClientOptions): Promise<RegistryClient> {
  return (await import('../registry/registry-client')).createRegistryClient(options);
}
