import type { Finding, Severity, SeverityCounts } from '../types';
import type { ActiveException } from './image-context';

export interface FindingTally {
  /** The findings that count against the ceilings, in report order. */
  readonly counted: readonly Finding[];
  readonly counts: SeverityCounts;
  /** Findings removed by an active exception. */
  readonly excepted: number;
  /** Findings without a fixed version, removed because of `scan.ignoreUnfixed`. */
  readonly unfixedIgnored: number;
}

/** Removes excepted findings, then (with `ignoreUnfixed`) unfixed ones, and counts the rest per severity. */
export function tallyFindings(
  findings: readonly Finding[],
  repository: string,
  exceptions: readonly ActiveException[],
  ignoreUnfixed: boolean,
): FindingTally {
  const applicable = exceptions.filter((exception) => exception.appliesTo(repository));
  const exceptedIds = new Set(applicable.map((exception) => exception.vulnerabilityId));
  const counts: Record<Severity, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  const counted: Finding[] = [];
  let excepted = 0;
  let unfixedIgnored = 0;
  for (const finding of findings) {
    if (exceptedIds.has(finding.id.toUpperCase())) {
      excepted++;
    } else if (ignoreUnfixed && (finding.fixed === null || finding.fixed.trim() === '')) {
      unfixedIgnored++;
    } else {
      counted.push(finding);
      counts[finding.severity]++;
    }
  }
  return { counted, counts, excepted, unfixedIgnored };
}
