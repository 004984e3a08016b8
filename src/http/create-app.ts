import express from 'express';
import { MethodNotAllowedError, NotFoundError } from '../errors';
import type { Logger } from '../logger';
import type { RecordingDeps } from '../service/review-service';
import { denyOversizedReview } from './deny-oversized-review';
import { createHealthRoutes, type Readiness } from './health-routes';
import { createErrorHandler } from './http-errors';
import type { Metrics } from './metrics';
import { readJsonBody } from './read-json-body';
import { createReviewRoute } from './review-route';
import { createValidateRoute } from './validate-route';

export interface HttpLimits {
  /** Largest accepted request body in bytes, after decoding (SPEC §2, §9). */
  readonly maxBodyBytes: number;
}

/**
 * 8 MiB: above anything the API server can send (SPEC §2: its requests are at most 3 MiB; an AdmissionReview for
 * `/validate` carries object and oldObject), so a pod can never push a review past it: what a pod author controls
 * is answered by the review limits instead (too-many-images, a 200 deny). Past it, `/imagereview` still denies
 * (deny-oversized-review.ts); `/validate` answers 400, having no uid to answer with.
 */
export const DEFAULT_LIMITS: HttpLimits = { maxBodyBytes: 8 * 1024 * 1024 };

export interface AppDeps {
  readonly review: RecordingDeps;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly readiness: () => Readiness | Promise<Readiness>;
  readonly limits: HttpLimits;
}

/**
 * The Express app answers every request (SPEC §2: one route per path, one body reader, nothing in front of it).
 * Every dependency is passed in (STYLE 6): no module state, so tests build as many as they like.
 */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  // Nothing here is cacheable or parameterised by query: the API server appends `?timeout=30s`, which is ignored.
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);

  app.post('/imagereview', readJsonBody(deps.limits.maxBodyBytes), createReviewRoute(deps), denyOversizedReview(deps));
  app.all('/imagereview', (_req, _res, next) => {
    next(new MethodNotAllowedError('use POST with an imagepolicy.k8s.io/v1alpha1 ImageReview', 'POST'));
  });
  app.post('/validate', readJsonBody(deps.limits.maxBodyBytes), createValidateRoute(deps));
  app.all('/validate', (_req, _res, next) => {
    next(new MethodNotAllowedError('use POST with an admission.k8s.io/v1 AdmissionReview', 'POST'));
  });
  app.use(createHealthRoutes(deps));
  app.use((req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)));
  app.use(
    createErrorHandler({
      logger: deps.logger,
      onInvalid: (label) => deps.metrics.invalidRequests.inc({ reason: label }),
    }),
  );
  return app;
}
