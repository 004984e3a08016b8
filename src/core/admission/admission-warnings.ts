import { displayText } from '../reason-text';
import { DAY_MS, formatTime } from '../rules/format-time';
import type { Decision, Facts } from '../types';

// `response.warnings` (SPEC §2 `/validate`): what the user should know even when the request is allowed. kubectl
// prints each as `Warning: …`. k8s.io/api admission/v1 types.go, AdmissionResponse.Warnings: "Limit warnings to
// 120 characters if possible. Warnings over 256 characters and large numbers of warnings may be truncated."

export const MAX_WARNING_LENGTH = 119;
/** Approvals expiring this soon are announced on every admission that uses them. */
export const EXPIRY_NOTICE_MS = 7 * DAY_MS;
/** Beyond this many warnings, one more line says how many were left out. */
const MAX_WARNINGS = 10;

export function admissionWarnings(decision: Decision, facts: Facts, now: number): readonly string[] {
  const warnings: string[] = [];
  if (decision.breakGlass.applied) {
    const ticket = decision.breakGlass.ticket === null ? 'no ticket' : `ticket ${decision.breakGlass.ticket}`;
    warnings.push(`break-glass applied (${ticket}): images that failed policy were allowed; this is audited`);
  }
  const dryRunOverrode = decision.mode === 'dry-run' && decision.overridden !== null && !decision.breakGlass.applied;
  for (const verdict of decision.images) {
    if (dryRunOverrode && !verdict.allowed) {
      const codes = verdict.reasons.map((reason) => reason.code).join(', ');
      warnings.push(`dry-run namespace: would deny ${verdict.image} (${codes})`);
      continue;
    }
    if (!verdict.allowed || verdict.repository === null || verdict.digest === null) continue;
    const expiresAt = facts.images.get(`${verdict.repository}@${verdict.digest}`)?.approval?.expiresAt ?? null;
    if (expiresAt !== null && expiresAt > now && expiresAt - now <= EXPIRY_NOTICE_MS) {
      warnings.push(`approval of ${verdict.repository}@${verdict.digest.slice(0, 19)} expires ${formatTime(expiresAt)}`);
    }
  }
  const unique = [...new Set(warnings)];
  const shown = unique.slice(0, MAX_WARNINGS).map((warning) => displayText(warning, MAX_WARNING_LENGTH));
  if (unique.length > MAX_WARNINGS) shown.push(`${unique.length - MAX_WARNINGS} more warnings; see image-reviewer audit`);
  return shown;
}
