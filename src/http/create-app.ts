import type { IncomingMessage, RequestListener } from 'node:http';
import express from 'express';
import type { Logger } from '../logger';
import type { RecordingDeps } from '../review/review-service';
import { createHealthRoutes, type Readiness } from './health-routes';
import { createErrorHandler, sendError } from './http-errors';
import type { Metrics } from './metrics';
import { createFastReview } from './fast-review';
import { createReviewHandler, createReviewRoute } from './review-route';
import { createValidateRoute } from './validate-route';

export interface HttpLimits {
  /** Largest accepted request body in bytes (SPEC §9). */
  readonly maxBodyBytes: number;
  /** Most containers accepted in one review (SPEC §2: more is a 400). */
  readonly maxContainers: number;
}

/** Above anything the API server sends to `/validate`: object and oldObject of at most 3 MiB each, and the envelope. */
const MIN_ADMISSION_BODY_BYTES = 8 * 1024 * 1024;

export const DEFAULT_LIMITS: HttpLimits = { maxBodyBytes: 1024 * 1024, maxContainers: 256 };

export interface AppDeps {
  readonly review: RecordingDeps;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly readiness: () => Readiness | Promise<Readiness>;
  readonly limits: HttpLimits;
}

/**
 * The request listener: plain reviews take the lean path (fast-review.ts), everything else the Express app.
 * Every dependency is passed in (STYLE 6): no module state, so tests build as many as they like.
 */
export function createApp(deps: AppDeps): RequestListener {
  const app = express();
  // Errors of the lean path are handed to the app by request, and raised by its first middleware, so the
  // error handler below answers them exactly as it answers body-parser's.
  const handedOff = new WeakMap<IncomingMessage, unknown>();
  app.use((req, _res, next) => {
    if (!handedOff.has(req)) {
      next();
      return;
    }
    const err = handedOff.get(req);
    handedOff.delete(req);
    next(err);
  });
  // Nothing here is cacheable or parameterised by query: the API server appends `?timeout=30s`, which is ignored.
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);

  const routeDeps = { ...deps, maxContainers: deps.limits.maxContainers };
  const json = express.json({ limit: deps.limits.maxBodyBytes, strict: true, type: 'application/json' });
  app.post('/imagereview', json, createReviewRoute(routeDeps));
  app.all('/imagereview', (_req, res) => {
    res.set('Allow', 'POST');
    sendError(res, 405, 'use POST with an imagepolicy.k8s.io/v1alpha1 ImageReview');
  });
  // An AdmissionReview carries the object and, on UPDATE, its oldObject: up to 3 MiB each (SPEC §2).
  const admissionJson = express.json({ limit: Math.max(deps.limits.maxBodyBytes, MIN_ADMISSION_BODY_BYTES), strict: true, type: 'application/json' });
  app.post('/validate', admissionJson, createValidateRoute(deps));
  app.all('/validate', (_req, res) => {
    res.set('Allow', 'POST');
    sendError(res, 405, 'use POST with an admission.k8s.io/v1 AdmissionReview');
  });
  app.use(createHealthRoutes(deps));
  app.use((req, res) => sendError(res, 404, `no route for ${req.method} ${req.path}`));
  app.use(
    createErrorHandler({
      logger: deps.logger,
      onInvalid: (reason) => deps.metrics.invalidRequests.inc({ reason }),
    }),
  );
  const fast = createFastReview(createReviewHandler(routeDeps), deps.limits.maxBodyBytes, (req, res, err) => {
    handedOff.set(req, err);
    app(req, res);
  });
  return (req, res) => {
    if (!fast(req, res)) app(req, res);
  };
}
