import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { admissionReviewRequest } from '../core/admission/admission-review-request';
import { admissionWarnings } from '../core/admission/admission-warnings';
import { auditAnnotations } from '../core/audit-annotations';
import type { Logger } from '../logger';
import { AuditWriteError, type Evaluation, type RecordingDeps, evaluateReview, reviewAndRecord } from '../service/review-service';
import { InvalidRequestError } from '../errors';
import { logDecision } from './log-decision';
import type { Metrics } from './metrics';
import { ADMISSION_REVIEW_KIND, type AdmissionEnvelope, parseAdmissionReview } from './parse-admission-review';
import { sendJson } from './send-json';

export interface ValidateRouteDeps {
  readonly review: RecordingDeps;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/** The `response` of an AdmissionReview answer (k8s.io/api admission/v1 AdmissionResponse). Never a `patch`. */
interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: { readonly code: number; readonly reason: string; readonly message: string };
  readonly auditAnnotations?: Readonly<Record<string, string>>;
  readonly warnings?: readonly string[];
}

/**
 * `POST /validate` (SPEC §2): a ValidatingAdmissionWebhook over the same service and decide() as `/imagereview`.
 * Always a 200 once `request.uid` is known, with `apiVersion`/`kind` copied and `response.uid` echoed (the API
 * server's VerifyAdmissionResponse rejects a v1 answer whose uid or GVK differ, and then applies `failurePolicy`).
 * A deny is `status.code` 403: the API server shows `admission webhook "<name>" denied the request: <message>`
 * (validating/dispatcher.go, webhookerrors.ToStatusErr). `dryRun` requests are answered alike but not recorded.
 */
export function createValidateRoute(deps: ValidateRouteDeps): RequestHandler {
  const { metrics, logger } = deps;
  return async (req, res, next) => {
    const startedAt = process.hrtime.bigint();
    const body: unknown = req.body;
    const parsed = parseAdmissionReview(body);
    if (!parsed.ok) {
      next(new InvalidRequestError(parsed.problem, parsed.reason));
      return;
    }
    const { review } = parsed;
    const reading = review.input.ok ? admissionReviewRequest(review.input.value) : { kind: 'unreadable' as const, problem: review.input.problem };
    if (reading.kind === 'not-reviewed') {
      answer(res, review, { uid: review.uid, allowed: true });
      return;
    }
    if (reading.kind === 'unreadable') {
      // Something the API server would not send inside a well-formed review: denied (fail closed), never a 4xx
      // that a `failurePolicy: Ignore` would turn into an admission.
      metrics.invalidRequests.inc({ reason: 'unreadable-object' });
      logger.warn('unreadable AdmissionReview object; denied', { uid: review.uid, problem: reading.problem });
      answer(res, review, denial(review.uid, `image-reviewer could not read the object: ${reading.problem}`));
      return;
    }
    let evaluation: Evaluation;
    let decisionId: number | null = null;
    try {
      if (review.dryRun) evaluation = await evaluateReview(deps.review, reading.request, { describe: false });
      else ({ evaluation, decisionId } = await reviewAndRecord(deps.review, reading.request, startedAt));
    } catch (err) {
      if (err instanceof AuditWriteError) metrics.auditWriteFailures.inc();
      next(err);
      return;
    }
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    recordMetrics(deps, evaluation, seconds);
    logDecision(logger, evaluation.decision, decisionId, seconds, { endpoint: 'validate', user: reading.request.user, dryRun: review.dryRun });
    answer(res, review, admissionResponse(review.uid, evaluation, decisionId));
  };
}

function admissionResponse(uid: string, evaluation: Evaluation, decisionId: number | null): AdmissionResponse {
  const { decision, facts, now } = evaluation;
  const warnings = admissionWarnings(decision, facts, now);
  const base = decision.allowed ? { uid, allowed: true } : denial(uid, decision.reason);
  return {
    ...base,
    // The API server prefixes each key with the webhook's name and `/` (dispatcher.go): the same keys as SPEC §2's.
    auditAnnotations: auditAnnotations(decision, decisionId === null ? null : String(decisionId)),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

function denial(uid: string, message: string): AdmissionResponse {
  return { uid, allowed: false, status: { code: 403, reason: 'Forbidden', message } };
}

function answer(res: ServerResponse, review: AdmissionEnvelope, response: AdmissionResponse): void {
  sendJson(res, 200, { apiVersion: review.apiVersion, kind: ADMISSION_REVIEW_KIND, response });
}

function recordMetrics(deps: ValidateRouteDeps, evaluation: Evaluation, seconds: number): void {
  const { decision } = evaluation;
  deps.metrics.reviews.inc({ decision: decision.allowed ? 'allowed' : 'denied', mode: decision.mode, endpoint: 'validate' });
  deps.metrics.reviewDuration.observe(seconds);
  if (decision.breakGlass.applied) deps.metrics.breakGlass.inc();
}
