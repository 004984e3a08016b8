// Maps scanner severities onto the five levels of the policy's ceilings (SPEC §5 scan.maxFindings).
import { SEVERITIES, type Severity } from '../types';

/**
 * Trivy writes upper case (`CRITICAL`), Grype title case (`Critical`). Grype's `Negligible` becomes
 * `LOW`: the ceilings know five levels, and negligible is the lowest real severity a distro assigns,
 * so it is neither unknown nor dropped. A missing or empty severity is `UNKNOWN` (SPEC §7: "a finding
 * without a severity counts as UNKNOWN"); a severity this code does not know is null, for the caller
 * to count as UNKNOWN and say so.
 */
export function normaliseSeverity(severity: string | null): Severity | null {
  if (severity === null || severity.trim() === '') return 'UNKNOWN';
  const upper = severity.trim().toUpperCase();
  if (upper === 'NEGLIGIBLE') return 'LOW';
  return SEVERITIES.find((known) => known === upper) ?? null;
}
