// Grype JSON output (`grype -o json`), from the 0.7.0 schema to current. See test/fixtures/grype/README.md.
import {
  fieldValue,
  isJsonObject,
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
import type { JsonObject, JsonRead } from '../json-reader';
import { normaliseRepoDigests } from './normalise-repo-digests';
import { parsedReport, reportedFinding } from './parsed-report';
import type { ReportedFinding } from './parsed-report';
import { readOptionalTimestamp, readStringList } from './report-fields';
import type { ParsedReport, RepoDigest } from './scan-report';

interface Descriptor {
  readonly version: string | null;
  readonly scannedAt: number | null;
}

interface Source {
  readonly artifact: string | null;
  readonly repoDigests: readonly RepoDigest[];
}

export function parseGrypeReport(json: unknown): ParsedReport {
  if (!isJsonObject(json)) return jsonProblem('', 'Grype report must be a JSON object');
  if (fieldValue(json, 'matches') === undefined) return jsonProblem('', 'not a Grype report: matches is missing');
  const descriptor = readDescriptor(json);
  if (!descriptor.ok) return descriptor;
  const source = readSource(json);
  if (!source.ok) return source;
  // Only `matches` are findings: `ignoredMatches` were suppressed by the user's grype config, and
  // `relatedVulnerabilities` are other records (usually NVD) of the same match.
  const findings = optionalField(json, 'matches', '', readListOf(readMatch));
  if (!findings.ok) return findings;
  return parsedReport('grype', {
    scannerVersion: descriptor.value.version,
    artifact: source.value.artifact,
    scannedAt: descriptor.value.scannedAt,
    repoDigests: source.value.repoDigests,
    findings: findings.value ?? [],
  });
}

/** `descriptor.timestamp` dates the scan for `scan-stale` (SPEC §4); grype 0.7.0 has none, snapshots write "". */
function readDescriptor(json: JsonObject): JsonRead<Descriptor> {
  const descriptor = optionalField(json, 'descriptor', '', readObject);
  if (!descriptor.ok) return descriptor;
  if (descriptor.value === null) return jsonOk({ version: null, scannedAt: null });
  const version = optionalField(descriptor.value, 'version', 'descriptor', readString);
  if (!version.ok) return version;
  const scannedAt = readOptionalTimestamp(descriptor.value, 'timestamp', 'descriptor');
  if (!scannedAt.ok) return scannedAt;
  return jsonOk({ version: version.value, scannedAt: scannedAt.value });
}

/**
 * `source.target` is an object for images and a plain string for directories and files. Only
 * `repoDigests` name registry digests: `manifestDigest` is the single-platform manifest as grype saw
 * it (often not what a pod names for a multi-arch image) and `imageID` the config digest (SPEC §7).
 */
function readSource(json: JsonObject): JsonRead<Source> {
  const source = optionalField(json, 'source', '', readObject);
  if (!source.ok) return source;
  const target = source.value === null ? undefined : fieldValue(source.value, 'target');
  if (target === undefined || target === null) return jsonOk({ artifact: null, repoDigests: [] });
  if (typeof target === 'string') return jsonOk({ artifact: target, repoDigests: [] });
  if (!isJsonObject(target)) return jsonProblem('source.target', 'must be a string or an object');
  const userInput = optionalField(target, 'userInput', 'source.target', readString);
  if (!userInput.ok) return userInput;
  const strings = readStringList(target, 'repoDigests', 'source.target');
  if (!strings.ok) return strings;
  return jsonOk({ artifact: userInput.value, repoDigests: normaliseRepoDigests(strings.value) });
}

function readMatch(value: unknown, path: string): JsonRead<ReportedFinding> {
  const match = readObject(value, path);
  if (!match.ok) return match;
  const vulnerability = requiredField(match.value, 'vulnerability', path, readObject);
  if (!vulnerability.ok) return vulnerability;
  const vulnPath = jsonPath(path, 'vulnerability');
  const id = requiredField(vulnerability.value, 'id', vulnPath, readNonEmptyString);
  if (!id.ok) return id;
  const severity = optionalField(vulnerability.value, 'severity', vulnPath, readString);
  if (!severity.ok) return severity;
  const fixed = readFixVersions(vulnerability.value, vulnPath);
  if (!fixed.ok) return fixed;
  const artifact = requiredField(match.value, 'artifact', path, readObject);
  if (!artifact.ok) return artifact;
  const artifactPath = jsonPath(path, 'artifact');
  const name = requiredField(artifact.value, 'name', artifactPath, readNonEmptyString);
  if (!name.ok) return name;
  const version = optionalField(artifact.value, 'version', artifactPath, readString);
  if (!version.ok) return version;
  return jsonOk(reportedFinding({ id: id.value, package: name.value, installed: version.value ?? '', fixed: fixed.value }, severity.value));
}

/** `fix.versions` joined with ", " as Trivy writes lists; no `fix` object (0.7.0 schema) or no versions = not fixed. */
function readFixVersions(vulnerability: JsonObject, path: string): JsonRead<string | null> {
  const fix = optionalField(vulnerability, 'fix', path, readObject);
  if (!fix.ok) return fix;
  if (fix.value === null) return jsonOk(null);
  const strings = readStringList(fix.value, 'versions', jsonPath(path, 'fix'));
  if (!strings.ok) return strings;
  const nonEmpty = strings.value.filter((v) => v !== '');
  return jsonOk(nonEmpty.length === 0 ? null : nonEmpty.join(', '));
}
