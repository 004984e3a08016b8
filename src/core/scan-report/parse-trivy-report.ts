// Trivy JSON reports, SchemaVersion 2 (trivy pkg/types/report.go). See test/fixtures/trivy/README.md.
import type { Finding } from '../types';
import {
  childPath,
  fieldValue,
  isRecord,
  optionalArray,
  optionalRecord,
  optionalString,
  optionalStringList,
  optionalTimestamp,
  readEach,
  requiredString,
  type JsonRecord,
  type Read,
} from './json-fields';
import { normaliseRepoDigests } from './normalise-repo-digests';
import { normaliseSeverity } from './normalise-severity';
import { parsedReport } from './parsed-report';
import type { ParsedReport, RepoDigest } from './scan-report';

export function parseTrivyReport(json: unknown): ParsedReport {
  if (Array.isArray(json)) {
    // Trivy before 0.20 wrote a bare array of Results: no artifact, no metadata, no date to judge staleness by.
    return {
      ok: false,
      error: 'legacy Trivy report (a bare array, before SchemaVersion 2) is not supported: re-scan with a current Trivy',
    };
  }
  if (!isRecord(json)) return { ok: false, error: 'Trivy report must be a JSON object' };
  const schema = fieldValue(json, 'SchemaVersion');
  if (schema === undefined) return { ok: false, error: 'not a Trivy report: SchemaVersion is missing' };
  if (schema !== 2) {
    return { ok: false, error: `unsupported Trivy SchemaVersion ${JSON.stringify(schema)}: only 2 is supported` };
  }

  const artifact = optionalString(json, 'ArtifactName', '');
  if (!artifact.ok) return artifact;
  const version = readVersion(json);
  if (!version.ok) return version;
  const scannedAt = readCreatedAt(json);
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

function readVersion(json: JsonRecord): Read<string | null> {
  const trivy = optionalRecord(json, 'Trivy', '');
  if (!trivy.ok) return trivy;
  if (trivy.value === null) return { ok: true, value: null };
  return optionalString(trivy.value, 'Version', 'Trivy');
}

/** `CreatedAt` (RFC 3339, nanoseconds) dates the scan for `scan-stale` (SPEC §4); empty or absent = undated. */
function readCreatedAt(json: JsonRecord): Read<number | null> {
  return optionalTimestamp(json, 'CreatedAt', '');
}

/** Metadata.RepoDigests only: Metadata.ImageID is the config blob digest, never a manifest digest (SPEC §7). */
function readRepoDigests(json: JsonRecord): Read<readonly RepoDigest[]> {
  const metadata = optionalRecord(json, 'Metadata', '');
  if (!metadata.ok) return metadata;
  if (metadata.value === null) return { ok: true, value: [] };
  const strings = optionalStringList(metadata.value, 'RepoDigests', 'Metadata');
  if (!strings.ok) return strings;
  return { ok: true, value: normaliseRepoDigests(strings.value) };
}

/** Every Result class with Vulnerabilities counts (os-pkgs and lang-pkgs alike); missing Results = clean scan. */
function readResults(json: JsonRecord): Read<readonly Finding[]> {
  const results = optionalArray(json, 'Results', '');
  if (!results.ok) return results;
  const findings: Finding[] = [];
  for (const [index, result] of (results.value ?? []).entries()) {
    const path = childPath('Results', index);
    if (!isRecord(result)) return { ok: false, error: `${path} must be an object` };
    const resultClass = optionalString(result, 'Class', path);
    if (!resultClass.ok) return resultClass;
    // `custom` Results carry CustomResources from Rego checks, never package vulnerabilities.
    if (resultClass.value === 'custom') continue;
    const vulnerabilities = optionalArray(result, 'Vulnerabilities', path);
    if (!vulnerabilities.ok) return vulnerabilities;
    const found = readEach(vulnerabilities.value ?? [], childPath(path, 'Vulnerabilities'), readVulnerability);
    if (!found.ok) return found;
    findings.push(...found.value);
  }
  return { ok: true, value: findings };
}

function readVulnerability(vulnerability: unknown, path: string): Read<Finding> {
  if (!isRecord(vulnerability)) return { ok: false, error: `${path} must be an object` };
  const id = requiredString(vulnerability, 'VulnerabilityID', path);
  if (!id.ok) return id;
  const pkg = requiredString(vulnerability, 'PkgName', path);
  if (!pkg.ok) return pkg;
  // InstalledVersion and FixedVersion are `omitempty` in Trivy: absent means empty.
  const installed = optionalString(vulnerability, 'InstalledVersion', path);
  if (!installed.ok) return installed;
  // FixedVersion is opaque: a version, a list (`6.0.3.1, 5.2.4.3`) or a range (`>= 2.1.0`).
  const fixed = optionalString(vulnerability, 'FixedVersion', path);
  if (!fixed.ok) return fixed;
  const severity = optionalString(vulnerability, 'Severity', path);
  if (!severity.ok) return severity;
  return {
    ok: true,
    value: {
      id: id.value,
      package: pkg.value,
      installed: installed.value ?? '',
      fixed: fixed.value === null || fixed.value === '' ? null : fixed.value,
      severity: normaliseSeverity(severity.value),
    },
  };
}
