import type { Finding } from '../types';
import { jsonOk } from '../json-reader';
import { dedupeFindings } from './dedupe-findings';
import { normaliseSeverity } from './normalise-severity';
import type { ParsedReport, ScanReport, Scanner } from './scan-report';

/** A finding as read, with the severity the scanner wrote when it is not one this code knows. */
export interface ReportedFinding {
  readonly finding: Finding;
  readonly unknownSeverity: string | null;
}

export function reportedFinding(fields: Omit<Finding, 'severity'>, severityText: string | null): ReportedFinding {
  const severity = normaliseSeverity(severityText);
  return { finding: { ...fields, severity: severity ?? 'UNKNOWN' }, unknownSeverity: severity === null ? severityText : null };
}

// How many distinct unknown severities a warning quotes.
const QUOTED_SEVERITIES = 5;

/**
 * A report read without error, its findings counted once each (SPEC §7) whichever scanner wrote it. A severity
 * this code does not know counts as UNKNOWN (fail closed under an UNKNOWN ceiling) and is reported as a warning:
 * silently it would hide a scanner's new level, or a typo, from the operator who imports the report.
 */
export function parsedReport(
  scanner: Scanner,
  fields: Omit<ScanReport, 'scanner' | 'findings' | 'warnings'> & { readonly findings: readonly ReportedFinding[] },
): ParsedReport {
  const unknown = fields.findings.flatMap((read) => (read.unknownSeverity === null ? [] : [read.unknownSeverity]));
  const warnings: string[] = [];
  if (unknown.length > 0) {
    const distinct = [...new Set(unknown)];
    const quoted = distinct.slice(0, QUOTED_SEVERITIES).map((text) => JSON.stringify(text)).join(', ');
    const more = distinct.length > QUOTED_SEVERITIES ? `, … (${distinct.length} in all)` : '';
    const findings = unknown.length === 1 ? '1 finding has' : `${unknown.length} findings have`;
    warnings.push(`${findings} a severity not known here (${quoted}${more}): counted as UNKNOWN`);
  }
  const findings = dedupeFindings(fields.findings.map((read) => read.finding));
  return jsonOk({ scanner, ...fields, findings, warnings });
}
