// SPEC §7: "A finding is one vulnerability ID in one package version". Scanners may report the same
// ID on the same package version more than once (Grype: one match per location, as in DefectDojo's
// same-cve-different-paths fixture; Trivy: one entry per Result/file), which is still one finding.
import { SEVERITIES, type Finding } from '../types';

/** Keeps the first occurrence of each id + package + installed version, with the most severe rating seen. */
export function dedupeFindings(findings: readonly Finding[]): readonly Finding[] {
  const byKey = new Map<string, Finding>();
  for (const finding of findings) {
    const key = JSON.stringify([finding.id, finding.package, finding.installed]);
    const previous = byKey.get(key);
    if (previous === undefined) {
      byKey.set(key, finding);
    } else if (rank(finding) < rank(previous)) {
      // Fail closed: if duplicates disagree, the finding counts against the stricter ceiling.
      byKey.set(key, { ...previous, severity: finding.severity });
    }
  }
  return [...byKey.values()];
}

/** CRITICAL first … UNKNOWN last, the order of SEVERITIES. */
function rank(finding: Finding): number {
  return SEVERITIES.indexOf(finding.severity);
}
