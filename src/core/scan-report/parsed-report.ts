import { dedupeFindings } from './dedupe-findings';
import type { ParsedReport, ScanReport, Scanner } from './scan-report';

/** A report read without error, its findings counted once each (SPEC §7) whichever scanner wrote it. */
export function parsedReport(scanner: Scanner, fields: Omit<ScanReport, 'scanner'>): ParsedReport {
  return { ok: true, report: { scanner, ...fields, findings: dedupeFindings(fields.findings) } };
}
