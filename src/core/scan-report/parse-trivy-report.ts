// Trivy JSON reports, SchemaVersion 2 (trivy pkg/types/report.go). See test/fixtures/trivy/README.md.
import {
  fieldValue,
  isJsonObject,
  jsonOk,
  jsonPath,
  jsonProblem,
  optionalField,
  readArray,
  readListOf,
  readNonEmptyString,
  readObject,
  readString,
  requiredField,
} from '../json-reader';
import type { JsonObject, JsonRead } from '../json-reader';
import { normaliseRepoDigests } from './normalise-repo-digests';
import { parsedReport, reportedFinding } from './parsed-report';
import type { ReportedFinding } from './parsed-report';
import { readOptionalTimestamp, readStringList } from './report-fields';
import type { ParsedReport, RepoDigest } from './scan-report';

export function parseTrivyReport(json: unknown): ParsedReport {
  if (Array.isArray(json)) {
    // Trivy before 0.20 wrote a bare array of Results: no artifact, no metadata, no date to judge staleness by.
    return jsonProblem('', 'legacy Trivy report (a bare array, before SchemaVersion 2) is not supported: re-scan with a current Trivy');
  }
  if (!isJsonObject(json)) return jsonProblem('', 'Trivy report must be a JSON object');
  const schema = fieldValue(json, 'SchemaVersion');
  if (schema === undefined) return jsonProblem('', 'not a Trivy report: SchemaVersion is missing');
  if (schema !== 2) return jsonProblem('', `unsupported Trivy SchemaVersion ${JSON.stringify(schema)}: only 2 is supported`);

  const artifact = optionalField(json, 'ArtifactName', '', readString);
  if (!artifact.ok) return artifact;
  const version = readVersion(json);
  if (!version.ok) return version;
  // `CreatedAt` (RFC 3339, nanoseconds) dates the scan for `scan-stale` (SPEC §4); empty or absent = undated.
  const scannedAt = readOptionalTimestamp(json, 'CreatedAt', '');
  if (!scannedAt.ok) return scannedAt;
  const repoDigests = readRepoDigests(json);
  if (!repoDigests.ok) return repoDigests;
  const findings = readResults(json);
  if (!findings.ok) return findings;

  return parsedReport('trivy', {
    scannerVersion: version.value,
    artifact: artifact.value,
    scannedAt: scannedAt.value,
    repoDigests: repoDigests.value,
    findings: findings.value,
  });
}

function readVersion(json: JsonObject): JsonRead<string | null> {
  const trivy = optionalField(json, 'Trivy', '', readObject);
  if (!trivy.ok) return trivy;
  if (trivy.value === null) return jsonOk(null);
  return optionalField(trivy.value, 'Version', 'Trivy', readString);
}

/** Metadata.RepoDigests only: Metadata.ImageID is the config blob digest, never a manifest digest (SPEC §7). */
function readRepoDigests(json: JsonObject): JsonRead<readonly RepoDigest[]> {
  const metadata = optionalField(json, 'Metadata', '', readObject);
  if (!metadata.ok) return metadata;
  if (metadata.value === null) return jsonOk([]);
  const strings = readStringList(metadata.value, 'RepoDigests', 'Metadata');
  return strings.ok ? jsonOk(normaliseRepoDigests(strings.value)) : strings;
}

/** Every Result class with Vulnerabilities counts (os-pkgs and lang-pkgs alike); missing Results = clean scan. */
function readResults(json: JsonObject): JsonRead<readonly ReportedFinding[]> {
  const results = optionalField(json, 'Results', '', readArray);
  if (!results.ok) return results;
  const findings: ReportedFinding[] = [];
  for (const [index, item] of (results.value ?? []).entries()) {
    const path = jsonPath('Results', index);
    const result = readObject(item, path);
    if (!result.ok) return result;
    const resultClass = optionalField(result.value, 'Class', path, readString);
    if (!resultClass.ok) return resultClass;
    // `custom` Results carry CustomResources from Rego checks, never package vulnerabilities.
    if (resultClass.value === 'custom') continue;
    const found = optionalField(result.value, 'Vulnerabilities', path, readListOf(readVulnerability));
    if (!found.ok) return found;
    for (const finding of found.value ?? []) findings.push(finding);
  }
  return jsonOk(findings);
}

function readVulnerability(value: unknown, path: string): JsonRead<ReportedFinding> {
  const vulnerability = readObject(value, path);
  if (!vulnerability.ok) return vulnerability;
  const v = vulnerability.value;
  const id = requiredField(v, 'VulnerabilityID', path, readNonEmptyString);
  if (!id.ok) return id;
  const pkg = requiredField(v, 'PkgName', path, readNonEmptyString);
  if (!pkg.ok) return pkg;
  // InstalledVersion and FixedVersion are `omitempty` in Trivy: absent means empty.
  const installed = optionalField(v, 'InstalledVersion', path, readString);
  if (!installed.ok) return installed;
  // FixedVersion is opaque: a version, a list (`6.0.3.1, 5.2.4.3`) or a range (`>= 2.1.0`).
  const fixed = optionalField(v, 'FixedVersion', path, readString);
  if (!fixed.ok) return fixed;
  const severity = optionalField(v, 'Severity', path, readString);
  if (!severity.ok) return severity;
  const fixedVersion = fixed.value === null || fixed.value === '' ? null : fixed.value;
  return jsonOk(reportedFinding({ id: id.value, package: pkg.value, installed: installed.value ?? '', fixed: fixedVersion }, severity.value));
}
