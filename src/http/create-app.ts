import express, { type Express } from 'express';
import type { Logger } from '../logger';
import type { RecordingDeps } from '../review/review-service';
import { createHealthRoutes, type Readiness } from './health-routes';
import { createErrorHandler, sendError } from './http-errors';
import type { Metrics } from './metrics';
import { createReviewRoute } from './review-route';

export interface HttpLimits {
  /** Largest accepted request body in bytes (SPEC §9). */
  readonly maxBodyBytes: number;
  /** Most containers accepted in one review (SPEC §2: more is a 400). */
  readonly maxContainers: number;
}

export const DEFAULT_LIMITS: HttpLimits = { maxBodyBytes: 1024 * 1024, maxContainers: 256 };

export interface AppDeps {
  readonly review: RecordingDeps;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly readiness: () => Readiness | Promise<Readiness>;
  readonly limits: HttpLimits;
}

/** The Express app with every dependency passed in (STYLE 6): no module state, so tests build as many as they like. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  // Nothing here is cacheable or parameterised by query: the API server appends `?timeout=30s`, which is ignored.
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);

  const json = express.json({ limit: deps.limits.maxBodyBytes, strict: true, type: 'application/json' });
  app.post('/imagereview', json, createReviewRoute({ ...deps, maxContainers: deps.limits.maxContainers }));
  app.all('/imagereview', (_req, res) => {
    res.set('Allow', 'POST');
    sendError(res, 405, 'use POST with an imagepolicy.k8s.io/v1alpha1 ImageReview');
  });
  app.use(createHealthRoutes(deps));
  app.use((req, res) => sendError(res, 404, `no route for ${req.method} ${req.path}`));
  app.use(
    createErrorHandler({
      logger: deps.logger,
      onInvalid: (reason) => deps.metrics.invalidRequests.inc({ reason }),
    }),
  );
  return app;
}
