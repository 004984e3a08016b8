import semver from 'semver';
import {
  jsonOk,
  jsonProblem,
  readBoolean,
  readListOf,
  readNonEmptyString,
  readNonNegativeInteger,
  readNonNegativeNumber,
  readObject,
  readOneOf,
  requiredField,
} from '../json-reader';
import type { JsonReader } from '../json-reader';
import { MODES, SEVERITIES } from '../types';
import type { Mode, Policy, Severity } from '../types';
import { DEFAULT_POLICY } from './default-policy';
import { readRegistry } from './read-registry';
import { readSignatureRule } from './validate-signatures';
import { readEntry, readSection } from './read-section';

export type PolicyValidation =
  | { readonly ok: true; readonly policy: Policy }
  | { readonly ok: false; readonly problems: readonly string[] };

const TOP_LEVEL_KEYS = [
  'registries',
  'tags',
  'tagCacheSeconds',
  'scan',
  'images',
  'versionFloors',
  'breakGlass',
  'defaultMode',
  'namespaces',
  'signatures',
  'autoApprove',
] as const;

/**
 * Validates a parsed policy document (SPEC §5) and fills defaults for absent keys. Every problem is collected with
 * its path, so that an operator fixes a broken file in one pass; any problem refuses the whole policy (STYLE 4).
 */
export function validatePolicy(raw: unknown): PolicyValidation {
  const root = readObject(raw, '');
  if (!root.ok) return { ok: false, problems: root.problems.map((problem) => `(policy): ${problem}`) };
  const read = readPolicy(root.value, '');
  return read.ok ? { ok: true, policy: read.value } : { ok: false, problems: read.problems };
}

const readPolicy = readSection(TOP_LEVEL_KEYS, (field): Policy => {
  const d = DEFAULT_POLICY;
  return {
    registries: field('registries', readListOf(readRegistry), d.registries),
    tags: field('tags', readOneOf(['require-digest', 'resolve'] as const), d.tags),
    tagCacheSeconds: field('tagCacheSeconds', readNonNegativeInteger, d.tagCacheSeconds),
    scan: field('scan', readScan, d.scan),
    images: field('images', readImages, d.images),
    versionFloors: field('versionFloors', readListOf(readVersionFloor), d.versionFloors),
    breakGlass: field('breakGlass', readBreakGlass, d.breakGlass),
    defaultMode: field('defaultMode', readOneOf(MODES), d.defaultMode),
    namespaces: field('namespaces', readListOf(readNamespaceRule), d.namespaces),
    signatures: field('signatures', readListOf(readSignatureRule), d.signatures),
    autoApprove: field('autoApprove', readListOf(readAutoApproveRule), d.autoApprove),
  };
});

const readMaxFindings = readSection(SEVERITIES, (field): Readonly<Partial<Record<Severity, number>>> => {
  const ceilings: Partial<Record<Severity, number>> = {};
  for (const severity of SEVERITIES) {
    const ceiling = field<number | undefined>(severity, readNonNegativeInteger, undefined);
    if (ceiling !== undefined) ceilings[severity] = ceiling;
  }
  return ceilings;
});

const readScan = readSection(['required', 'maxAgeDays', 'maxFindings', 'ignoreUnfixed'], (field): Policy['scan'] => {
  const d = DEFAULT_POLICY.scan;
  return {
    required: field('required', readBoolean, d.required),
    maxAgeDays: field('maxAgeDays', readNonNegativeNumber, d.maxAgeDays),
    maxFindings: field('maxFindings', readMaxFindings, d.maxFindings),
    ignoreUnfixed: field('ignoreUnfixed', readBoolean, d.ignoreUnfixed),
  };
});

const readImages = readSection(['maxAgeDays'], (field): Policy['images'] => ({
  maxAgeDays: field('maxAgeDays', readNonNegativeNumber, DEFAULT_POLICY.images.maxAgeDays),
}));

const readBreakGlass = readSection(['enabled', 'namespaces', 'requireTicket', 'requireGrant'], (field): Policy['breakGlass'] => {
  const d = DEFAULT_POLICY.breakGlass;
  return {
    enabled: field('enabled', readBoolean, d.enabled),
    namespaces: field('namespaces', readListOf(readNonEmptyString), d.namespaces),
    requireTicket: field('requireTicket', readBoolean, d.requireTicket),
    requireGrant: field('requireGrant', readBoolean, d.requireGrant),
  };
});

const readRange: JsonReader<string> = (value, path) => {
  const range = readNonEmptyString(value, path);
  if (!range.ok) return range;
  const normalised = semver.validRange(range.value);
  if (normalised === null) return jsonProblem(path, `invalid semver range ${JSON.stringify(range.value)}`);
  // node-semver reads `x` as a wildcard, so `>=x` is "any version": as a floor that is surely a typo.
  if (normalised === '*') return jsonProblem(path, `invalid semver range ${JSON.stringify(range.value)}: it admits every version`);
  return jsonOk(range.value);
};

const readVersionFloor = readEntry(['repository', 'range'], (map, path, problems): Policy['versionFloors'][number] | undefined => {
  const repository = problems.take(requiredField(map, 'repository', path, readNonEmptyString), undefined);
  const range = problems.take(requiredField(map, 'range', path, readRange), undefined);
  return repository === undefined || range === undefined ? undefined : { repository, range };
});

const readNamespaceRule = readEntry(['match', 'mode'], (map, path, problems): { readonly match: string; readonly mode: Mode } | undefined => {
  const match = problems.take(requiredField(map, 'match', path, readNonEmptyString), undefined);
  const mode = problems.take(requiredField(map, 'mode', path, readOneOf(MODES)), undefined);
  return match === undefined || mode === undefined ? undefined : { match, mode };
});

const readAutoApproveRule = readEntry(['repository', 'pushedBy'], (map, path, problems): Policy['autoApprove'][number] | undefined => {
  const repository = problems.take(requiredField(map, 'repository', path, readNonEmptyString), undefined);
  const pushedBy = problems.take(requiredField(map, 'pushedBy', path, readNonEmptyString), undefined);
  return repository === undefined || pushedBy === undefined ? undefined : { repository, pushedBy };
});
