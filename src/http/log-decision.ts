import { recordedImage } from '../core/recorded-image';
import type { Decision } from '../core/types';
import type { Logger } from '../logger';

/** What `/validate` knows beyond an ImageReview: who asked, and whether the request was a dry run (not recorded). */
export interface DecisionContext {
  readonly endpoint: 'imagereview' | 'validate';
  readonly user?: string | null;
  readonly dryRun?: boolean;
}

/**
 * One JSON line per decision (SPEC §9): what was decided, for whom, and why; never the request body. A dry-run
 * AdmissionReview has no decision id (it is not recorded) and says `dryRun: true`.
 */
export function logDecision(
  logger: Logger,
  decision: Decision,
  decisionId: number | null,
  seconds: number,
  context: DecisionContext = { endpoint: 'imagereview' },
): void {
  const fields = {
    decisionId,
    endpoint: context.endpoint,
    ...(context.user === undefined ? {} : { user: context.user }),
    ...(context.dryRun === true ? { dryRun: true } : {}),
    namespace: decision.namespace,
    allowed: decision.allowed,
    mode: decision.mode,
    breakGlass: decision.breakGlass.applied,
    ticket: decision.breakGlass.ticket,
    images: decision.images.map((v) => ({ image: recordedImage(v.image), digest: v.digest, reasons: v.reasons.map((r) => r.code) })),
    latencyMs: Math.round(seconds * 1e6) / 1e3,
  };
  logger.info('decision', fields);
  if (decision.breakGlass.applied) {
    logger.warn('break-glass override', { decisionId, namespace: decision.namespace, ticket: decision.breakGlass.ticket, overridden: decision.overridden });
  }
}
