import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { auditAnnotations } from '../core/audit-annotations';
import type { Logger } from '../logger';
import { AuditWriteError, type RecordingDeps, reviewAndRecord } from '../review/review-service';
import { sendError } from './http-errors';
import { logDecision } from './log-decision';
import { sendJson } from './send-json';
import type { Metrics } from './metrics';
import { IMAGE_REVIEW_API_VERSION, IMAGE_REVIEW_KIND, parseImageReview } from './parse-image-review';

export interface ReviewRouteDeps {
  readonly review: RecordingDeps;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly maxContainers: number;
}

/**
 * `POST /imagereview` (SPEC §2): parse → validate → decide → record → respond (STYLE 5). A deny is a 200 with
 * `allowed: false`; the answer is sent only after the decision row is committed.
 */
export function createReviewRoute(deps: ReviewRouteDeps): RequestHandler {
  const review = createReviewHandler(deps);
  return async (req, res) => {
    const startedAt = process.hrtime.bigint();
    if (!req.is('application/json')) {
      rejectInvalid(deps, res, 'content-type', 'Content-Type must be application/json');
      return;
    }
    await review(req.body, res, startedAt);
  };
}

/** Reviews a parsed JSON body and answers: shared by the Express route and the lean reader (fast-review.ts). */
export type ReviewHandler = (body: unknown, res: ServerResponse, startedAt: bigint) => Promise<void>;

export function createReviewHandler(deps: ReviewRouteDeps): ReviewHandler {
  const { metrics, logger } = deps;
  return async (body, res, startedAt) => {
    const parsed = parseImageReview(body, deps.maxContainers);
    if (!parsed.ok) {
      rejectInvalid(deps, res, parsed.reason, parsed.problem);
      return;
    }
    try {
      const { evaluation, decisionId } = await reviewAndRecord(deps.review, parsed.request, startedAt);
      const { decision } = evaluation;
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      metrics.reviews.inc({ decision: decision.allowed ? 'allowed' : 'denied', mode: decision.mode, endpoint: 'imagereview' });
      metrics.reviewDuration.observe(seconds);
      logDecision(logger, decision, decisionId, seconds);
      if (decision.breakGlass.applied) metrics.breakGlass.inc();
      sendJson(res, 200, {
        apiVersion: IMAGE_REVIEW_API_VERSION,
        kind: IMAGE_REVIEW_KIND,
        status: {
          allowed: decision.allowed,
          reason: decision.reason,
          auditAnnotations: auditAnnotations(decision, String(decisionId)),
        },
      });
    } catch (err) {
      if (err instanceof AuditWriteError) metrics.auditWriteFailures.inc();
      logger.error('review failed; answering 500 so the API server applies its own failure policy', {
        error: err instanceof Error ? err.message : String(err),
        namespace: parsed.request.namespace,
      });
      sendError(res, 500, 'internal error: the decision could not be made or recorded');
    }
  };
}

function rejectInvalid(deps: ReviewRouteDeps, res: ServerResponse, reason: string, problem: string): void {
  deps.metrics.invalidRequests.inc({ reason });
  deps.logger.warn('invalid ImageReview', { reason, problem });
  sendError(res, 400, problem);
}
