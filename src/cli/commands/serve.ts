import type { Command } from 'commander';
import { UsageError } from '../../errors';
import { DEFAULT_REVIEW_LIMITS } from '../../core/review-size';
import { createApp, DEFAULT_LIMITS } from '../../http/create-app';
import { createMetrics } from '../../http/metrics';
import { expressMessageClasses } from '../../http/express-messages';
import { PROBE_PATHS, parseListen, startServer } from '../../http/server';
import { type Logger, createLogger, parseLogLevel } from '../../logger';
import { createPolicySource } from '../../policy-source';
import { createTagResolver } from '../../registry/tag-resolver';
import { createSignatureChecker } from '../../signatures/signature-checker';
import { readCheckpointKey } from '../../checkpoint/checkpoint-key';
import { startCheckpointTimer } from '../../checkpoint/checkpoint-timer';
import { parseDuration } from '../../core/time-spec';
import { monitorReadiness } from '../../http/readiness-monitor';
import { writerIdentity } from '../../store/writer-identity';
import type { CliContext } from '../context';
import { isBrokenPipe } from '../drop-output-when-closed';
import type { RegisterCommand } from '../register-command';
import { createPolicyTagResolver } from '../../service/policy-tag-resolver';
import { DEFAULT_RESOLVE_DEADLINE_MS } from '../registry-options';
import { type RegistrySource, openRegistry } from '../registry-provider';
import { positiveInt } from './positive-int';
import { dashboardSettings, startDashboard } from '../../dashboard/start-dashboard';
import { prepareEvents, startEventsListener } from './serve-events';
import { type ServeStore, openServeStore } from './serve-store';
import type { StoreLocation } from '../../store/store-location';
import type { RegistryClientOptions } from '../../registry/registry-client';
import { createReferenceParser } from '../../service/reference-parser';

interface ServeOptions {
  readonly listen?: string;
  readonly policy?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly clientCa?: string;
  readonly migrate: boolean;
  readonly logLevel: string;
  readonly maxContainers: string;
  readonly maxImageChars: string;
  readonly maxBodyBytes: string;
  readonly shutdownGraceSeconds: string;
  readonly resolveDeadlineMs: string;
  readonly checkpointKey?: string;
  readonly checkpointInterval: string;
  readonly dashboard?: string;
  readonly dashboardTokenFile?: string;
  readonly dashboardTlsCert?: string;
  readonly dashboardTlsKey?: string;
  readonly dashboardClientCa?: string;
  readonly eventsListen?: string;
  readonly eventsSecretFile?: string;
  readonly harborUrl?: string;
  readonly harborTimeoutMs: string;
  readonly writerName?: string;
  readonly cluster?: string;
}

/** How often readiness is evaluated on its own, so a damaged store is logged even when nothing probes. */
const READINESS_CHECK_MS = 5_000;

/** `serve`; in `tags: resolve` mode tag-only images are resolved through `registry` before deciding. */
export function createServeCommand(registry: RegistrySource, clientOptions: () => Promise<RegistryClientOptions>): RegisterCommand {
  return (program: Command, ctx: CliContext): void => registerServe(program, ctx, { registry, clientOptions });
}

interface RegistryAccess {
  readonly registry: RegistrySource;
  /** Credentials and insecure hosts, for Harbor's API (`--harbor-url`). */
  readonly clientOptions: () => Promise<RegistryClientOptions>;
}

function registerServe(program: Command, ctx: CliContext, access: RegistryAccess): void {
  program
    .command('serve')
    .description('run the webhook (plain HTTP on 127.0.0.1:8080; HTTPS on 0.0.0.0:8443 with --tls-cert/--tls-key)')
    .option('--listen <host:port>', 'address to listen on')
    .option('--policy <file>', 'policy file (YAML or JSON); reloaded on change and on SIGHUP')
    .option('--tls-cert <file>', 'server certificate (PEM); reloaded when the file changes')
    .option('--tls-key <file>', 'server private key (PEM)')
    .option('--client-ca <file>', 'require client certificates signed by this CA (the API server\u2019s)')
    .option('--no-migrate', 'refuse to start when migrations are pending instead of applying them (SQLite; serve never migrates a PostgreSQL store)')
    .option('--log-level <level>', 'debug, info, warn or error', ctx.io.env.IMAGE_REVIEWER_LOG_LEVEL ?? 'info')
    .option('--max-containers <n>', 'most images judged in one review; more is a too-many-images deny', String(DEFAULT_REVIEW_LIMITS.maxImages))
    .option('--max-image-chars <n>', 'most characters of image strings judged in one review; more is a too-many-images deny', String(DEFAULT_REVIEW_LIMITS.maxImageChars))
    .option('--max-body-bytes <n>', 'largest accepted request body (keep it above the API server\u2019s 3 MiB)', String(DEFAULT_LIMITS.maxBodyBytes))
    .option('--shutdown-grace-seconds <n>', 'how long in-flight reviews may take to finish on SIGTERM', '10')
    .option('--resolve-deadline-ms <ms>', 'tags: resolve: how long a review waits for the registry', String(DEFAULT_RESOLVE_DEADLINE_MS))
    .option('--checkpoint-key <file>', 'sign checkpoints of the audit chains with this Ed25519 key (checkpoint keygen)', ctx.io.env.IMAGE_REVIEWER_CHECKPOINT_KEY)
    .option('--checkpoint-interval <duration>', 'how often a signed checkpoint is logged', '60s')
    .option('--dashboard <host:port>', 'serve the read-only audit dashboard here (loopback unless --dashboard-token-file or --dashboard-client-ca)')
    .option('--dashboard-token-file <file>', 'require this bearer token for the dashboard')
    .option('--dashboard-tls-cert <file>', 'serve the dashboard over HTTPS with this certificate (PEM); reloaded when the file changes')
    .option('--dashboard-tls-key <file>', 'the dashboard certificate\u2019s private key (PEM)')
    .option('--dashboard-client-ca <file>', 'require dashboard clients to present a certificate signed by this CA')
    .option('--events-listen <host:port>', 'also listen for registry events (Harbor webhooks, distribution notifications) here')
    .option('--events-secret-file <file>', 'shared secrets of the event sources: lines "harbor SECRET" and "registry SECRET"')
    .option('--harbor-url <url>', 'Harbor\u2019s base URL, to fetch the vulnerability report of a scanned artifact')
    .option('--harbor-timeout-ms <ms>', 'how long one Harbor report fetch may take', '10000')
    .option('--writer-name <name>', 'the name this server records its decisions under, in its own audit chain (default: the host name)', ctx.io.env.IMAGE_REVIEWER_WRITER_NAME)
    .option('--cluster <name>', 'the cluster this deployment serves, recorded with every decision', ctx.io.env.IMAGE_REVIEWER_CLUSTER)
    .action(async (options: ServeOptions) => serve(ctx, options, access));
}

async function serve(ctx: CliContext, options: ServeOptions, access: RegistryAccess): Promise<void> {
  const settings = parseServeOptions(options);
  const checkpointKey = options.checkpointKey === undefined ? null : readCheckpointKey(options.checkpointKey);
  // The client is made at start even under require-digest, because a reloaded policy may turn resolve on:
  // registry flags are checked (and a --registry-password-stdin password read) now, not at the first review.
  const lookup = await openRegistry(access.registry);
  const events = await prepareEvents(options, ctx.io.env, access.clientOptions);
  const logger = createLogger({ level: settings.logLevel, stream: ctx.io.stdout, batch: true });
  const location: StoreLocation = { db: ctx.dbPath(), env: ctx.io.env };
  const store = await openServeStore(location, { writer: settings.writer, migrate: options.migrate, clock: Date.now, logger });
  // Whatever was started is stopped again if start-up fails (a port in use), so the process exits.
  const cleanup: (() => unknown)[] = [() => store.close()];
  const release = async (): Promise<void> => {
    for (const step of cleanup.splice(0).reverse()) await step();
  };
  // Log lines are written once per turn of the event loop (logger.ts `batch`): an uncaught error or process.exit
  // still writes the lines of the turn it ends.
  const flushOnExit = (): void => logger.flush();
  process.on('exit', flushOnExit);
  try {
    const started = await start(settings, { store, location, lookup, logger, cleanup }, options.policy);
    const eventsServer =
      events === null
        ? null
        : await startEventsListener(events, { location, policy: () => started.policy.current(), metrics: started.metrics, logger, cleanup });
    if (checkpointKey === null) {
      logger.info('no --checkpoint-key: the audit chain is not anchored outside the store (README "Checkpoints")');
    }
    const checkpoints =
      checkpointKey === null
        ? null
        : startCheckpointTimer({ key: checkpointKey, intervalMs: settings.checkpointIntervalMs, read: store.chainStates, logger, clock: Date.now });
    await untilStopped(logger, started.policy, ctx.io.signals ?? process, ctx.io.stdout);
    await Promise.all([started.server.close(settings.graceMs), eventsServer?.close(settings.graceMs), started.dashboard?.close(settings.graceMs)]);
    checkpoints?.stop();
    await store.audit.close();
    // The last checkpoint covers every decision answered before shutdown.
    await checkpoints?.write('shutdown');
    await release();
    logger.info('stopped');
  } finally {
    await release();
    logger.flush();
    process.off('exit', flushOnExit);
  }
}

interface Opened {
  readonly store: ServeStore;
  readonly location: StoreLocation;
  readonly lookup: Awaited<ReturnType<typeof openRegistry>>;
  readonly logger: Logger;
  readonly cleanup: (() => unknown)[];
}

async function start(settings: ServeSettings, opened: Opened, policyFile: string | undefined) {
  const { store, location, lookup, logger, cleanup } = opened;
  const metrics = createMetrics({ storeSizeBytes: store.sizeBytes });
  const policy = createPolicySource({
    file: policyFile ?? null,
    logger,
    onReload: (outcome) => metrics.policyReloads.inc({ result: outcome.result === 'invalid' ? 'failure' : 'success' }),
  });
  cleanup.push(() => policy.close());
  // One resolver for the life of the process (its cache and in-flight sharing span reviews), renewed only when a
  // reload shortens tagCacheSeconds.
  const tagResolver = createPolicyTagResolver(() =>
    createTagResolver({ lookup, cacheSeconds: policy.current().policy.tagCacheSeconds, deadlineMs: settings.resolveDeadlineMs }),
  );
  // One checker for the life of the process too: verified signatures are cached per policy hash, so a reload that
  // changes a key or tagCacheSeconds starts afresh.
  const signatureChecker = createSignatureChecker({ lookup, deadlineMs: settings.resolveDeadlineMs });
  const clock = (): number => Date.now();
  const monitor = monitorReadiness(store.readiness, READINESS_CHECK_MS, logger);
  cleanup.push(() => monitor.stop());
  const { reader, audit } = store;
  audit.onCommit((commit) => {
    metrics.auditCommitDuration.observe(commit.seconds);
    metrics.auditCommitDecisions.observe(commit.decisions);
  });
  const app = createApp({
    review: {
      reader,
      audit,
      policy: () => policy.current(),
      clock,
      tagResolver,
      limits: settings.reviewLimits,
      signatureChecker,
      parseRef: createReferenceParser(),
    },
    metrics,
    logger,
    readiness: monitor.readiness,
    limits: settings.limits,
  });
  // Before the webhook's listener, so that a dashboard port in use stops start-up with nothing left listening.
  const dashboard = settings.dashboard === null ? null : await startDashboard(settings.dashboard, { location, logger, clock, policy: () => policy.current() });
  if (dashboard !== null) {
    cleanup.push(() => dashboard.close(0));
    logger.info('dashboard', {
      url: dashboard.url,
      token: settings.dashboard?.token !== null,
      clientCertificate: settings.dashboard?.tls?.clientCaFile !== undefined,
    });
  }
  const server = await startServer({ app, messages: expressMessageClasses(app), listen: settings.listen, tls: settings.tls, logger });
  // Closed again (a no-op after a graceful close) if what starts after it fails: the events listener's port in use.
  cleanup.push(() => server.close(0));
  const active = policy.current();
  logger.info('serving', {
    address: `${server.address.host}:${server.address.port}`,
    tls: settings.tls !== undefined,
    clientAuth: settings.tls?.clientCaFile !== undefined,
    store: store.description,
    writer: settings.writer.writer,
    cluster: settings.writer.cluster,
    policy: active.source,
    policyHash: active.hash,
    tags: active.policy.tags,
  });
  if (policyFile === undefined) {
    logger.warn('no --policy given: using the built-in default policy, which allows no registry', { policyHash: active.hash });
  }
  return { server, policy, metrics, dashboard };
}

/**
 * Resolves on SIGTERM or SIGINT (SPEC §9) heard on `signals`, or when the reader of the log (`output`) has gone
 * (EPIPE): the log carries the decisions and the signed checkpoints (SPEC §9), so a server that can no longer
 * write it stops, gracefully, rather than serve unrecorded. SIGHUP reloads the policy meanwhile.
 */
function untilStopped(logger: Logger, policy: { reload(): unknown }, signals: NodeJS.EventEmitter, output: NodeJS.EventEmitter): Promise<void> {
  return new Promise<void>((resolve) => {
    const onHup = (): void => void policy.reload();
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    const onOutputError = (err: unknown): void => {
      if (isBrokenPipe(err)) stop('EPIPE');
    };
    const stop = (signal: string): void => {
      signals.off('SIGHUP', onHup);
      signals.off('SIGTERM', onTerm);
      signals.off('SIGINT', onInt);
      output.off('error', onOutputError);
      logger.info('shutting down', { signal });
      resolve();
    };
    signals.on('SIGHUP', onHup);
    signals.once('SIGTERM', onTerm);
    signals.once('SIGINT', onInt);
    output.on('error', onOutputError);
  });
}

function parseServeOptions(options: ServeOptions) {
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  if (options.clientCa !== undefined && options.tlsCert === undefined) {
    throw new UsageError('--client-ca needs --tls-cert and --tls-key (client certificates are a TLS feature)');
  }
  const logLevel = parseLogLevel(options.logLevel);
  // Kubelet probes present no client certificate: with --client-ca only the probe paths are open without one.
  const tls =
    options.tlsCert !== undefined && options.tlsKey !== undefined
      ? {
          certFile: options.tlsCert,
          keyFile: options.tlsKey,
          clientCaFile: options.clientCa,
          unauthenticatedPaths: options.clientCa !== undefined ? PROBE_PATHS : [],
        }
      : undefined;
  const listen = parseListen(options.listen ?? (tls ? '0.0.0.0:8443' : '127.0.0.1:8080'), tls ? 8443 : 8080);
  return {
    logLevel,
    tls,
    listen,
    limits: { maxBodyBytes: positiveInt('--max-body-bytes', options.maxBodyBytes) },
    reviewLimits: {
      maxImages: positiveInt('--max-containers', options.maxContainers),
      maxImageChars: positiveInt('--max-image-chars', options.maxImageChars),
    },
    graceMs: positiveInt('--shutdown-grace-seconds', options.shutdownGraceSeconds) * 1000,
    resolveDeadlineMs: positiveInt('--resolve-deadline-ms', options.resolveDeadlineMs),
    checkpointIntervalMs: checkpointInterval(options.checkpointInterval),
    writer: writerIdentity(options.writerName, options.cluster),
    dashboard: dashboardSettings({
      listen: options.dashboard,
      tokenFile: options.dashboardTokenFile,
      tlsCert: options.dashboardTlsCert,
      tlsKey: options.dashboardTlsKey,
      clientCa: options.dashboardClientCa,
    }),
  };
}

type ServeSettings = ReturnType<typeof parseServeOptions>;

function checkpointInterval(text: string): number {
  const ms = parseDuration(text);
  if (ms === null || ms < 1000) throw new UsageError(`--checkpoint-interval must be a duration of at least 1s (30s, 5m), not ${JSON.stringify(text)}`);
  return ms;
}
