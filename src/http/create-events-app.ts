import express from 'express';
import { MethodNotAllowedError, NotFoundError } from '../errors';
import type { EventSource } from '../core/events/registry-event';
import { EVENT_MEDIA_TYPES, type EventsRouteDeps, authenticate, createEventsRoute } from './events-route';
import { createErrorHandler } from './http-errors';
import { readJsonBody } from './read-json-body';

/**
 * Registry event bodies are small (an envelope of a few events, a Harbor event naming a few artifacts): 1 MiB is far
 * above them, and far below what an unauthenticated sender could make the server hold.
 */
export const EVENTS_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The registry events listener (`serve --events-listen`, SPEC §10): its own Express app on its own socket, so the
 * webhook listener keeps admitting only the API server. Errors are mapped by the same handler as the webhook's.
 */
export function createEventsApp(deps: EventsRouteDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);
  for (const source of ['harbor', 'registry'] as const satisfies readonly EventSource[]) {
    const path = `/events/${source}`;
    app.post(path, authenticate(source, deps), readJsonBody(EVENTS_MAX_BODY_BYTES, EVENT_MEDIA_TYPES[source]), createEventsRoute(source, deps));
    app.all(path, (_req, _res, next) => next(new MethodNotAllowedError(`use POST with a ${source} event`, 'POST')));
  }
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.use((req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)));
  app.use(
    createErrorHandler({
      logger: deps.logger,
      onInvalid: (label, req) => {
        const source = req.path === '/events/harbor' ? 'harbor' : req.path === '/events/registry' ? 'registry' : 'unknown';
        deps.metrics.registryEvents.inc({ source, type: 'unknown', result: 'rejected' });
        deps.metrics.invalidRequests.inc({ reason: `events-${label}` });
      },
    }),
  );
  return app;
}
