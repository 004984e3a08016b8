// Grype JSON output (`grype -o json`), from the 0.7.0 schema to current. See test/fixtures/grype/README.md.
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
  requiredRecord,
  requiredString,
  type JsonRecord,
  type Read,
} from './json-fields';
import { normaliseRepoDigests } from './normalise-repo-digests';
import { normaliseSeverity } from './normalise-severity';
import { parsedReport } from './parsed-report';
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
  if (!isRecord(json)) return { ok: false, error: 'Grype report must be a JSON object' };
  if (fieldValue(json, 'matches') === undefined) return { ok: false, error: 'not a Grype report: matches is missing' };
  const descriptor = readDescriptor(json);
  if (!descriptor.ok) return descriptor;
  const source = readSource(json);
  if (!source.ok) return source;
  const findings = readMatches(json);
  if (!findings.ok) return findings;
  return parsedReport('grype', {
    scannerVersion: descriptor.value.version,
    artifact: source.value.artifact,
    scannedAt: descriptor.value.scannedAt,
    repoDigests: source.value.repoDigests,
    findings: findings.value,
  });
}

/** `descriptor.timestamp` dates the scan for `scan-stale` (SPEC §4); grype 0.7.0 has none, snapshots write "". */
function readDescriptor(json: JsonRecord): Read<Descriptor> {
  const descriptor = optionalRecord(json, 'descriptor', '');
  if (!descriptor.ok) return descriptor;
  if (descriptor.value === null) return { ok: true, value: { version: null, scannedAt: null } };
  const version = optionalString(descriptor.value, 'version', 'descriptor');
  if (!version.ok) return version;
  const scannedAt = optionalTimestamp(descriptor.value, 'timestamp', 'descriptor');
  if (!scannedAt.ok) return scannedAt;
  return { ok: true, value: { version: version.value, scannedAt: scannedAt.value } };
}

/**
 * `source.target` is an object for images and a plain string for directories and files. Only
 * `repoDigests` name registry digests: `manifestDigest` is the single-platform manifest as grype saw
 * it (often not what a pod names for a multi-arch image) and `imageID` the config digest (SPEC §7).
 */
function readSource(json: JsonRecord): Read<Source> {
  const source = optionalRecord(json, 'source', '');
  if (!source.ok) return source;
  const target = source.value === null ? undefined : fieldValue(source.value, 'target');
  if (target === undefined || target === null) return { ok: true, value: { artifact: null, repoDigests: [] } };
  if (typeof target === 'string') return { ok: true, value: { artifact: target, repoDigests: [] } };
  if (!isRecord(target)) return { ok: false, error: 'source.target must be a string or an object' };
  const userInput = optionalString(target, 'userInput', 'source.target');
  if (!userInput.ok) return userInput;
  const strings = optionalStringList(target, 'repoDigests', 'source.target');
  if (!strings.ok) return strings;
  return { ok: true, value: { artifact: userInput.value, repoDigests: normaliseRepoDigests(strings.value) } };
}

/** Only `matches` are findings: `ignoredMatches` were suppressed by the user's grype config, and
 * `relatedVulnerabilities` are other records (usually NVD) of the same match. */
function readMatches(json: JsonRecord): Read<readonly Finding[]> {
  const matches = optionalArray(json, 'matches', '');
  if (!matches.ok) return matches;
  return readEach(matches.value ?? [], 'matches', readMatch);
}

function readMatch(match: unknown, path: string): Read<Finding> {
  if (!isRecord(match)) return { ok: false, error: `${path} must be an object` };
  const vulnerability = requiredRecord(match, 'vulnerability', path);
  if (!vulnerability.ok) return vulnerability;
  const vulnPath = childPath(path, 'vulnerability');
  const id = requiredString(vulnerability.value, 'id', vulnPath);
  if (!id.ok) return id;
  const severity = optionalString(vulnerability.value, 'severity', vulnPath);
  if (!severity.ok) return severity;
  const fixed = readFixVersions(vulnerability.value, vulnPath);
  if (!fixed.ok) return fixed;
  const artifact = requiredRecord(match, 'artifact', path);
  if (!artifact.ok) return artifact;
  const artifactPath = childPath(path, 'artifact');
  const name = requiredString(artifact.value, 'name', artifactPath);
  if (!name.ok) return name;
  const version = optionalString(artifact.value, 'version', artifactPath);
  if (!version.ok) return version;
  return {
    ok: true,
    value: {
      id: id.value,
      package: name.value,
      installed: version.value ?? '',
      fixed: fixed.value,
      severity: normaliseSeverity(severity.value),
    },
  };
}

/** `fix.versions` joined with ", " as Trivy writes lists; no `fix` object (0.7.0 schema) or no versions = not fixed. */
function readFixVersions(vulnerability: JsonRecord, path: string): Read<string | null> {
  const fix = optionalRecord(vulnerability, 'fix', path);
  if (!fix.ok) return fix;
  if (fix.value === null) return { ok: true, value: null };
  const strings = optionalStringList(fix.value, 'versions', childPath(path, 'fix'));
  if (!strings.ok) return strings;
  const nonEmpty = strings.value.filter((v) => v !== '');
  return { ok: true, value: nonEmpty.length === 0 ? null : nonEmpty.join(', ') };
}
