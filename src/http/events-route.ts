import type { RequestHandler } from 'express';
import { parseHarborWebhook } from '../core/events/parse-harbor-webhook';
import { parseRegistryNotification } from '../core/events/parse-registry-notification';
import type { ArtifactEvent, EventSource, IgnoredEvent, ParsedEvents } from '../core/events/registry-event';
import { type JsonRead, problemText } from '../core/json-reader';
import { InvalidRequestError, RegistryError, UnauthenticatedError } from '../errors';
import type { Logger } from '../logger';
import { type EventIntakeDeps, type HandledEvent, receiveRegistryEvent } from '../service/receive-registry-event';
import { type EventSecrets, carriesSecret } from './event-secrets';
import type { Metrics } from './metrics';
import { mediaTypeOf } from './read-json-body';
import { sendJson } from './send-json';

// `POST /events/harbor` and `POST /events/registry` (SPEC §2): authenticate, parse, hand each event to the service,
// answer what was done. Every event gets a JSON log line and its metrics; the secret and the Authorization header
// are never logged.

export interface EventsRouteDeps {
  readonly intake: EventIntakeDeps;
  readonly secrets: EventSecrets;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export const CLOUDEVENTS_JSON = 'application/cloudevents+json';

/** What each endpoint accepts: Harbor's two formats; distribution's v1 (registry 2.x) and v2 (3.x) types, and JSON. */
export const EVENT_MEDIA_TYPES: Readonly<Record<EventSource, readonly string[]>> = {
  harbor: ['application/json', CLOUDEVENTS_JSON],
  registry: ['application/vnd.docker.distribution.events.v1+json', 'application/vnd.docker.distribution.events.v2+json', 'application/json'],
};

/** Refuses a request without the source's secret before its body is read: 401, nothing stored. */
export function authenticate(source: EventSource, deps: EventsRouteDeps): RequestHandler {
  return (req, _res, next) => {
    if (carriesSecret(deps.secrets[source], req.headers.authorization)) {
      next();
      return;
    }
    const why = deps.secrets[source] === null ? `no ${source} events secret is configured` : 'the Authorization header does not carry the shared secret';
    next(new UnauthenticatedError(`unauthenticated ${source} event: ${why}`));
  };
}

export function createEventsRoute(source: EventSource, deps: EventsRouteDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      const parsed = parse(source, req.body, mediaTypeOf(req));
      if (!parsed.ok) throw new InvalidRequestError(`${source} event: ${problemText(parsed)}`, 'bad-event');
      const answers = await handleAll(deps, parsed.value);
      sendJson(res, 200, {
        stored: answers.filter((a) => a.result === 'stored').length,
        ignored: answers.filter((a) => a.result === 'ignored').length,
        events: answers,
      });
    } catch (err) {
      // Harbor's report could not be fetched or read: 502 with nothing stored for that event, so Harbor retries.
      next(err instanceof RegistryError ? new InvalidRequestError(err.message, 'harbor-report', 502) : err);
    }
  };
}

function parse(source: EventSource, body: unknown, mediaType: string): JsonRead<ParsedEvents> {
  if (source === 'registry') return parseRegistryNotification(body);
  return parseHarborWebhook(body, mediaType === CLOUDEVENTS_JSON ? 'cloudevents' : 'default');
}

type Answer = { readonly repository: string | null; readonly digest: string | null; readonly type: string } & HandledEvent;

async function handleAll(deps: EventsRouteDeps, parsed: ParsedEvents): Promise<readonly Answer[]> {
  const answers: Answer[] = parsed.ignored.map((event) => ignoredAnswer(deps, event));
  for (const event of parsed.events) {
    deps.metrics.registryEvents.inc({ source: event.source, type: event.type, result: 'received' });
    const handled = await receiveRegistryEvent(deps.intake, event);
    deps.metrics.registryEvents.inc({ source: event.source, type: event.type, result: handled.result });
    logEvent(deps.logger, event, handled);
    answers.push({ repository: event.repository, digest: event.digest, type: event.type, ...handled });
  }
  return answers;
}

function ignoredAnswer(deps: EventsRouteDeps, event: IgnoredEvent): Answer {
  deps.metrics.registryEvents.inc({ source: event.source, type: event.type, result: 'received' });
  deps.metrics.registryEvents.inc({ source: event.source, type: event.type, result: 'ignored' });
  deps.logger.info('registry event', { source: event.source, type: event.type, result: 'ignored', reason: event.reason });
  return { repository: null, digest: null, type: event.type, result: 'ignored', reason: event.reason };
}

function logEvent(logger: Logger, event: ArtifactEvent, handled: HandledEvent): void {
  logger.info('registry event', {
    source: event.source,
    type: event.type,
    repository: event.repository,
    digest: event.digest,
    tag: event.tag,
    actor: event.actor,
    occurredAt: new Date(event.occurredAt).toISOString(),
    ...handled,
  });
}
