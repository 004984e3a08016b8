// Maps scanner severities onto the five levels of the policy's ceilings (SPEC §5 scan.maxFindings).
import { SEVERITIES, type Severity } from '../types';

/**
 * Trivy writes upper case (`CRITICAL`), Grype title case (`Critical`). Grype's `Negligible` becomes
 * `LOW`: the ceilings know five levels, and negligible is the lowest real severity a distro assigns,
 * so it is neither unknown nor dropped. A missing or unrecognised severity is `UNKNOWN` (SPEC §7:
 * "a finding without a severity counts as UNKNOWN").
 */
export function normaliseSeverity(severity: string | null): Severity {
  if (severity === null) return 'UNKNOWN';
  const upper = severity.trim().toUpperCase();
  if (upper === 'NEGLIGIBLE') return 'LOW';
  return SEVERITIES.find((known) => known === upper) ?? 'UNKNOWN';
}
