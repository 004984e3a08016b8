import type { ErrorRequestHandler } from 'express';
import { BodyTooLargeError } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from './metrics';
import { IMAGE_REVIEW_API_VERSION, IMAGE_REVIEW_KIND } from './parse-image-review';
import { sendJson } from './send-json';

/**
 * `/imagereview` answers a body past the limit with a 200 deny, not an error: SPEC §2 wants a deny wherever the answer
 * can be formed, and an ImageReview answer needs nothing from the request. Nothing of the review was read (no
 * namespace, no images), so there is no decision to record: it is logged and counted instead, as a deny and as an
 * invalid request. `/validate` cannot do the same (its answer must echo `request.uid`), so its oversized bodies
 * fall through to the 400 of the error handler.
 */
export function denyOversizedReview(deps: { readonly metrics: Metrics; readonly logger: Logger }): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (!(err instanceof BodyTooLargeError) || res.headersSent) {
      next(err);
      return;
    }
    const reason = `too-many-images (the review is larger than ${err.maxBytes} bytes and was not read)`;
    deps.metrics.invalidRequests.inc({ reason: err.label });
    deps.metrics.reviews.inc({ decision: 'denied', mode: 'enforce', endpoint: 'imagereview' });
    deps.logger.warn('review body past the limit denied unread; no decision recorded', { path: req.path, maxBytes: err.maxBytes });
    sendJson(res, 200, { apiVersion: IMAGE_REVIEW_API_VERSION, kind: IMAGE_REVIEW_KIND, status: { allowed: false, reason } });
  };
}
