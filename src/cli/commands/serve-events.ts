import type { CompiledPolicy } from '../../core/types';
import { UsageError } from '../../errors';
import { createEventsApp } from '../../http/create-events-app';
import { type EventSecrets, loadEventSecrets } from '../../http/event-secrets';
import type { Metrics } from '../../http/metrics';
import { expressMessageClasses } from '../../http/express-messages';
import { type ListenAddress, type RunningServer, parseListen, startServer } from '../../http/server';
import type { Logger } from '../../logger';
import { type HarborClient, createHarborClient } from '../../registry/harbor-client';
import type { RegistryClientOptions } from '../../registry/registry-client';
import { openStoreAt } from '../../store/open-store';
import type { StoreLocation } from '../../store/store-location';
import { positiveInt } from './positive-int';

// The registry events listener of `serve` (SPEC §7 `--events-listen`, §10): its own socket, secrets and Harbor client.

export interface EventsFlags {
  readonly eventsListen?: string;
  readonly eventsSecretFile?: string;
  readonly harborUrl?: string;
  readonly harborTimeoutMs: string;
}

export interface EventsSettings {
  readonly listen: ListenAddress;
  readonly harborUrl: string | undefined;
  readonly harborTimeoutMs: number;
}

/**
 * Everything the events listener needs that can be refused, checked before serve opens its store or listens: the
 * flags, the secrets and the Harbor URL. Null without `--events-listen` (then the other events flags are refused).
 */
export async function prepareEvents(
  flags: EventsFlags,
  env: NodeJS.ProcessEnv,
  clientOptions: () => Promise<RegistryClientOptions>,
): Promise<PreparedEvents | null> {
  if (flags.eventsListen === undefined) {
    if (flags.eventsSecretFile !== undefined || flags.harborUrl !== undefined) {
      throw new UsageError('--events-secret-file and --harbor-url need --events-listen');
    }
    return null;
  }
  const settings = {
    listen: parseListen(flags.eventsListen, 8090),
    harborUrl: flags.harborUrl,
    harborTimeoutMs: positiveInt('--harbor-timeout-ms', flags.harborTimeoutMs),
  };
  const secrets = loadEventSecrets(flags.eventsSecretFile, env);
  const harbor = settings.harborUrl === undefined ? null : await harborClient(settings, clientOptions);
  return { settings, secrets, harbor };
}

export interface PreparedEvents {
  readonly settings: EventsSettings;
  readonly secrets: EventSecrets;
  readonly harbor: HarborClient | null;
}

export interface EventsListenerDeps {
  readonly location: StoreLocation;
  readonly policy: () => CompiledPolicy;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Whatever is started is pushed here, to be stopped in reverse order. */
  readonly cleanup: (() => unknown)[];
}

export async function startEventsListener(prepared: PreparedEvents, deps: EventsListenerDeps): Promise<RunningServer> {
  const { settings, secrets, harbor } = prepared;
  const { logger } = deps;
  if (harbor !== null) deps.cleanup.push(() => harbor.close());
  // A connection of its own: event writes are CLI-like writes (BEGIN IMMEDIATE on SQLite), never in the review
  // path's way. serve has checked the schema already.
  const store = await openStoreAt(deps.location, 'read-write');
  deps.cleanup.push(() => store.close());
  const app = createEventsApp({
    intake: { events: store.events, approvals: store.approvals, scans: store.scans, policy: deps.policy, harbor, clock: () => Date.now() },
    secrets,
    metrics: deps.metrics,
    logger: logger.child({ listener: 'events' }),
  });
  const server = await startServer({ app, messages: expressMessageClasses(app), listen: settings.listen, logger });
  deps.cleanup.push(() => server.close(0));
  logger.info('serving registry events', {
    address: `${server.address.host}:${server.address.port}`,
    harbor: secrets.harbor !== null,
    registry: secrets.registry !== null,
    harborUrl: settings.harborUrl ?? null,
  });
  if (secrets.harbor !== null && harbor === null) {
    logger.warn('no --harbor-url: Harbor scan events are recorded without their report');
  }
  return server;
}

async function harborClient(settings: EventsSettings, clientOptions: () => Promise<RegistryClientOptions>) {
  const options = await clientOptions();
  return createHarborClient({
    baseUrl: settings.harborUrl ?? '',
    credentials: options.credentials ?? (() => null),
    insecureRegistries: options.insecureRegistries ?? [],
    timeoutMs: settings.harborTimeoutMs,
  });
}
