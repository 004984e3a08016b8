// `scan import FILE [--format trivy|grype]` (SPEC §7): read a report, detecting its format when not given.
import { fieldValue, hasKey, isRecord, type JsonRecord } from './json-fields';
import { parseGrypeReport } from './parse-grype-report';
import { parseTrivyReport } from './parse-trivy-report';
import type { ParsedReport, Scanner } from './scan-report';

/** Detects the format when not given (Trivy: SchemaVersion + Results/ArtifactName; Grype: matches + descriptor/source). */
export function parseScanReport(text: string, format?: Scanner): ParsedReport {
  if (text.trim() === '') return { ok: false, error: 'empty report' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `report is not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (format === 'trivy') return parseTrivyReport(json);
  if (format === 'grype') return parseGrypeReport(json);
  const detected = detectFormat(json);
  if (detected === 'trivy') return parseTrivyReport(json);
  if (detected === 'grype') return parseGrypeReport(json);
  return { ok: false, error: detected.error };
}

type Detection = Scanner | { readonly error: string };

function detectFormat(json: unknown): Detection {
  if (Array.isArray(json)) {
    // Trivy before SchemaVersion 2 wrote a bare array of Results; let the Trivy reader refuse it by name.
    return json.some((item) => isRecord(item) && hasKey(item, 'Target')) ? 'trivy' : notAReport('a JSON array');
  }
  if (!isRecord(json)) return notAReport(`a JSON ${json === null ? 'null' : typeof json}`);
  if (hasKey(json, 'SchemaVersion') && (hasKey(json, 'Results') || hasKey(json, 'ArtifactName'))) return 'trivy';
  if (hasKey(json, 'matches') && (hasKey(json, 'descriptor') || hasKey(json, 'source'))) return 'grype';
  return notAReport(describeObject(json));
}

function notAReport(what: string): { readonly error: string } {
  return { error: `not a Trivy (SchemaVersion 2) or Grype JSON report: found ${what}` };
}

/** Names the documents people mistake for reports, so the error says what was given instead. */
function describeObject(json: JsonRecord): string {
  if (hasKey(json, 'event_data') && typeof fieldValue(json, 'type') === 'string') return 'a Harbor webhook event';
  if (hasKey(json, 'specversion')) return 'a CloudEvents event';
  if (hasKey(json, 'events')) return 'a registry notification envelope';
  return 'a JSON object without SchemaVersion/Results or matches/descriptor';
}
