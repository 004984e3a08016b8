import { displayText } from './reason-text';
import type { Decision } from './types';

/**
 * `status.auditAnnotations` (SPEC §2). Keys carry no `/` and at most 63 characters: the API server drops others and
 * adds its own `imagepolicywebhook.image-policy.k8s.io/` prefix. `overridden-verification-result` is GKE Binary
 * Authorization's name for the would-deny reasons.
 */
export function auditAnnotations(decision: Decision, decisionId: string | null): Record<string, string> {
  // No id for a dry-run AdmissionReview: it is answered but not recorded (SPEC §2, `sideEffects: NoneOnDryRun`).
  const annotations: Record<string, string> = decisionId === null ? {} : { 'decision-id': decisionId };
  const { breakGlass } = decision;
  if (breakGlass.applied) annotations['break-glass'] = 'true';
  if (breakGlass.requested && breakGlass.ticket !== null) annotations.ticket = displayText(breakGlass.ticket, 100);
  const dryRunOverrode = decision.mode === 'dry-run' && decision.overridden !== null && !breakGlass.applied;
  if (dryRunOverrode) annotations['dry-run'] = 'true';
  if (decision.overridden !== null) annotations['overridden-verification-result'] = decision.overridden;
  return annotations;
}
