import { SEVERITIES } from '../types';
import type { Check, Finding, Severity } from '../types';
import { NO_DIGEST } from './check-approval';
import { described, fail, pass, skip } from './check-result';
import type { ImageContext } from './image-context';
import { tallyFindings } from './tally-findings';
import type { FindingTally } from './tally-findings';

/** How many distinct IDs a message names before "+N more": the reason must stay short (SPEC §2). */
const MAX_IDS = 5;

/**
 * `vulnerabilities`: whenever a scan exists, its findings, less active exceptions (and unfixed ones with
 * `ignoreUnfixed`), must not exceed any per-severity ceiling of `scan.maxFindings`; an absent ceiling is unlimited.
 */
export function checkVulnerabilities(context: ImageContext): Check {
  const { ref, digest, facts, policy, exceptions } = context;
  if (digest === null) return skip('vulnerabilities', NO_DIGEST);
  if (facts.scan === null) return skip('vulnerabilities', 'no scan');
  const { maxFindings, ignoreUnfixed } = policy.policy.scan;
  const tally = tallyFindings(facts.scan.findings, ref.repository, exceptions, ignoreUnfixed);
  const ceilinged: { readonly severity: Severity; readonly ceiling: number; readonly count: number }[] = [];
  for (const severity of SEVERITIES) {
    const ceiling = maxFindings[severity];
    if (ceiling !== undefined) ceilinged.push({ severity, ceiling, count: tally.counts[severity] });
  }
  const over = ceilinged.filter(({ count, ceiling }) => count > ceiling);
  if (over.length > 0) {
    const parts = over.map(({ severity, count, ceiling }) => {
      return `${count} ${severity} > ${ceiling} (${offendingIds(tally.counted, severity)})`;
    });
    return fail('vulnerabilities', 'vulnerabilities', parts.join(', ') + tallyNotes(tally));
  }
  if (ceilinged.length === 0) {
    return pass('vulnerabilities', described(context, () => `no ceilings set (${tally.counted.length} counted)${tallyNotes(tally)}`));
  }
  return pass(
    'vulnerabilities',
    described(context, () => `${ceilinged.map(({ severity, count, ceiling }) => `${count} ${severity} ≤ ${ceiling}`).join(', ')}${tallyNotes(tally)}`),
  );
}

/** `CVE-2019-14697 ×2, CVE-2020-1234, +3 more`: distinct IDs in report order, a count when one recurs. */
function offendingIds(findings: readonly Finding[], severity: Severity): string {
  const times = new Map<string, number>();
  for (const finding of findings) {
    if (finding.severity === severity) times.set(finding.id, (times.get(finding.id) ?? 0) + 1);
  }
  const named = [...times].slice(0, MAX_IDS).map(([id, n]) => (n > 1 ? `${id} ×${n}` : id));
  const more = times.size - named.length;
  return more > 0 ? `${named.join(', ')}, +${more} more` : named.join(', ');
}

function tallyNotes(tally: FindingTally): string {
  const notes: string[] = [];
  if (tally.excepted > 0) notes.push(`${tally.excepted} excepted`);
  if (tally.unfixedIgnored > 0) notes.push(`${tally.unfixedIgnored} unfixed ignored`);
  return notes.map((note) => `; ${note}`).join('');
}
