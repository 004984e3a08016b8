// Harbor's vulnerability report (`GET /api/v2.0/projects/{project}/repositories/{repository}/artifacts/{digest}/
// additions/vulnerabilities`): an object keyed by report MIME type, each value Harbor's `vuln.Report`
// (goharbor/harbor src/pkg/scan/vuln/report.go): `{generated_at, artifact, scanner: {name, vendor, version},
// severity, vulnerabilities: [{id, package, version, fix_version, severity, …}]}`. Read into the same ScanReport a
// Trivy or Grype file gives `scan import`, so a scan that arrives from Harbor is stored exactly as an imported one.
import {
  type JsonObject,
  type JsonRead,
  fieldValue,
  jsonOk,
  jsonPath,
  jsonProblem,
  optionalField,
  readListOf,
  readNonEmptyString,
  readObject,
  readString,
  requiredField,
} from '../json-reader';
import { parsedReport, reportedFinding } from './parsed-report';
import type { ReportedFinding } from './parsed-report';
import { readOptionalTimestamp } from './report-fields';
import type { ParsedReport, RepoDigest, Scanner } from './scan-report';

export interface HarborReportContext {
  /** The artifact the report was fetched for: the scan applies to it (Harbor's report names no registry digest). */
  readonly target: RepoDigest;
  /** When the scan ended, from the webhook (`scan_overview.end_time`); the report's `generated_at` otherwise. */
  readonly endedAt: number | null;
}

/** The first report in Harbor's answer (one per MIME type asked for in `X-Accept-Vulnerabilities`). */
export function parseHarborReport(json: unknown, context: HarborReportContext): ParsedReport {
  const answer = readObject(json, '');
  if (!answer.ok) return jsonProblem('', 'Harbor vulnerability answer must be a JSON object keyed by report type');
  const [key] = Object.keys(answer.value);
  if (key === undefined) return jsonProblem('', 'Harbor has no vulnerability report for this artifact');
  const report = readObject(fieldValue(answer.value, key), jsonPath('', key));
  if (!report.ok) return report;
  return readReport(report.value, jsonPath('', key), context);
}

function readReport(report: JsonObject, path: string, context: HarborReportContext): ParsedReport {
  const scannerInfo = requiredField(report, 'scanner', path, readObject);
  if (!scannerInfo.ok) return scannerInfo;
  const name = requiredField(scannerInfo.value, 'name', jsonPath(path, 'scanner'), readNonEmptyString);
  if (!name.ok) return name;
  const scanner = storedScanner(name.value);
  if (scanner === null) {
    return jsonProblem(jsonPath(jsonPath(path, 'scanner'), 'name'), `scanner ${JSON.stringify(name.value)} is not one image-reviewer stores (Trivy, Grype)`);
  }
  const version = optionalField(scannerInfo.value, 'version', jsonPath(path, 'scanner'), readString);
  if (!version.ok) return version;
  const generatedAt = readOptionalTimestamp(report, 'generated_at', path);
  if (!generatedAt.ok) return generatedAt;
  const vulnerabilities = optionalField(report, 'vulnerabilities', path, readListOf(readVulnerability));
  if (!vulnerabilities.ok) return vulnerabilities;
  return parsedReport(scanner, {
    scannerVersion: version.value,
    artifact: `${context.target.repository}@${context.target.digest}`,
    scannedAt: context.endedAt ?? generatedAt.value,
    repoDigests: [context.target],
    findings: vulnerabilities.value ?? [],
  });
}

/** Harbor's scanner adapters name themselves `Trivy`, `Grype`, …: the scans table knows the first two. */
function storedScanner(name: string): Scanner | null {
  const lower = name.trim().toLowerCase();
  return lower === 'trivy' || lower === 'grype' ? lower : null;
}

function readVulnerability(value: unknown, path: string): JsonRead<ReportedFinding> {
  const item = readObject(value, path);
  if (!item.ok) return item;
  const id = requiredField(item.value, 'id', path, readNonEmptyString);
  if (!id.ok) return id;
  const pkg = requiredField(item.value, 'package', path, readNonEmptyString);
  if (!pkg.ok) return pkg;
  const installed = optionalField(item.value, 'version', path, readString);
  if (!installed.ok) return installed;
  const fixed = optionalField(item.value, 'fix_version', path, readString);
  if (!fixed.ok) return fixed;
  const severity = optionalField(item.value, 'severity', path, readString);
  if (!severity.ok) return severity;
  // Harbor writes `None` for "no rating" (its severity scale starts there): counted as UNKNOWN, as a missing one is.
  const severityText = severity.value === 'None' ? null : severity.value;
  return jsonOk(
    reportedFinding({ id: id.value, package: pkg.value, installed: installed.value ?? '', fixed: fixed.value === '' ? null : fixed.value }, severityText),
  );
}
