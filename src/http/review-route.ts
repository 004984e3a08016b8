import type { RequestHandler } from 'express';
import { auditAnnotations } from '../core/audit-annotations';
import type { Logger } from '../logger';
import { AuditWriteError, type RecordingDeps, reviewAndRecord } from '../service/review-service';
import { InvalidRequestError } from '../errors';
import { logDecision } from './log-decision';
import { sendJson } from './send-json';
import type { Metrics } from './metrics';
import { IMAGE_REVIEW_API_VERSION, IMAGE_REVIEW_KIND, parseImageReview } from './parse-image-review';

export interface ReviewRouteDeps {
  readonly review: RecordingDeps;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/**
 * `POST /imagereview` (SPEC §2), after readJsonBody: parse → validate → decide → record → respond (STYLE 5). A deny is
 * a 200 with `allowed: false`; the answer is sent only after the decision row is committed. Failures go to the app's
 * error handler (http-errors.ts), the one place that turns them into answers.
 */
export function createReviewRoute(deps: ReviewRouteDeps): RequestHandler {
  const { metrics, logger } = deps;
  return async (req, res, next) => {
    const startedAt = process.hrtime.bigint();
    const body: unknown = req.body;
    const parsed = parseImageReview(body);
    if (!parsed.ok) {
      next(new InvalidRequestError(parsed.problem, parsed.reason));
      return;
    }
    let recorded: Awaited<ReturnType<typeof reviewAndRecord>>;
    try {
      recorded = await reviewAndRecord(deps.review, parsed.request, startedAt);
    } catch (err) {
      if (err instanceof AuditWriteError) metrics.auditWriteFailures.inc();
      next(err);
      return;
    }
    const { decision } = recorded.evaluation;
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    metrics.reviews.inc({ decision: decision.allowed ? 'allowed' : 'denied', mode: decision.mode, endpoint: 'imagereview' });
    metrics.reviewDuration.observe(seconds);
    logDecision(logger, decision, recorded.decisionId, seconds);
    if (decision.breakGlass.applied) metrics.breakGlass.inc();
    sendJson(res, 200, {
      apiVersion: IMAGE_REVIEW_API_VERSION,
      kind: IMAGE_REVIEW_KIND,
      status: {
        allowed: decision.allowed,
        reason: decision.reason,
        auditAnnotations: auditAnnotations(decision, String(recorded.decisionId)),
      },
    });
  };
}
