// `scan import FILE [--format trivy|grype]` (SPEC §7): read a report, detecting its format when not given.
import { fieldValue, hasField, isJsonObject, jsonProblem, parseJson } from '../json-reader';
import type { JsonObject } from '../json-reader';
import { parseGrypeReport } from './parse-grype-report';
import { parseTrivyReport } from './parse-trivy-report';
import type { ParsedReport, Scanner } from './scan-report';

/** Detects the format when not given (Trivy: SchemaVersion + Results/ArtifactName; Grype: matches + descriptor/source). */
export function parseScanReport(text: string, format?: Scanner): ParsedReport {
  if (text.trim() === '') return jsonProblem('', 'empty report');
  const parsed = parseJson(text);
  if (!parsed.ok) return jsonProblem('', `report ${parsed.problems.join('; ')}`);
  const json = parsed.value;
  if (format === 'trivy') return parseTrivyReport(json);
  if (format === 'grype') return parseGrypeReport(json);
  const detected = detectFormat(json);
  if (detected === 'trivy') return parseTrivyReport(json);
  if (detected === 'grype') return parseGrypeReport(json);
  return jsonProblem('', detected.error);
}

type Detection = Scanner | { readonly error: string };

function detectFormat(json: unknown): Detection {
  if (Array.isArray(json)) {
    // Trivy before SchemaVersion 2 wrote a bare array of Results; let the Trivy reader refuse it by name.
    return json.some((item) => isJsonObject(item) && hasField(item, 'Target')) ? 'trivy' : notAReport('a JSON array');
  }
  if (!isJsonObject(json)) return notAReport(`a JSON ${json === null ? 'null' : typeof json}`);
  if (hasField(json, 'SchemaVersion') && (hasField(json, 'Results') || hasField(json, 'ArtifactName'))) return 'trivy';
  if (hasField(json, 'matches') && (hasField(json, 'descriptor') || hasField(json, 'source'))) return 'grype';
  return notAReport(describeObject(json));
}

function notAReport(what: string): { readonly error: string } {
  return { error: `not a Trivy (SchemaVersion 2) or Grype JSON report: found ${what}` };
}

/** Names the documents people mistake for reports, so the error says what was given instead. */
function describeObject(json: JsonObject): string {
  if (hasField(json, 'event_data') && typeof fieldValue(json, 'type') === 'string') return 'a Harbor webhook event';
  if (hasField(json, 'specversion')) return 'a CloudEvents event';
  if (hasField(json, 'events')) return 'a registry notification envelope';
  return 'a JSON object without SchemaVersion/Results or matches/descriptor';
}
