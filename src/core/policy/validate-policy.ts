import semver from 'semver';
import { MODES, SEVERITIES } from '../types';
import type { Mode, Policy, Severity } from '../types';
import { DEFAULT_POLICY } from './default-policy';
import {
  Problems,
  field,
  readBoolean,
  readList,
  readMapping,
  readNonEmptyString,
  readNonNegativeInteger,
  readNonNegativeNumber,
  readOneOf,
  rejectUnknownKeys,
  required,
} from './policy-fields';
import { readSignatureRule } from './validate-signatures';

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
] as const;

/**
 * Validates a parsed policy document (SPEC §5) and fills defaults for absent keys. Every problem is collected with
 * its path, so that an operator fixes a broken file in one pass; any problem refuses the whole policy (STYLE 4).
 */
export function validatePolicy(raw: unknown): PolicyValidation {
  const problems = new Problems();
  const root = readMapping(raw, '', problems);
  if (root === undefined) return { ok: false, problems: problems.list };
  rejectUnknownKeys(root, TOP_LEVEL_KEYS, '', problems);
  const d = DEFAULT_POLICY;
  const policy: Policy = {
    registries: field(root, 'registries', '', problems, readList(readRegistry), d.registries),
    tags: field(root, 'tags', '', problems, readOneOf(['require-digest', 'resolve'] as const), d.tags),
    tagCacheSeconds: field(root, 'tagCacheSeconds', '', problems, readNonNegativeInteger, d.tagCacheSeconds),
    scan: field(root, 'scan', '', problems, readScan, d.scan),
    images: field(root, 'images', '', problems, readImages, d.images),
    versionFloors: field(root, 'versionFloors', '', problems, readList(readVersionFloor), d.versionFloors),
    breakGlass: field(root, 'breakGlass', '', problems, readBreakGlass, d.breakGlass),
    defaultMode: field(root, 'defaultMode', '', problems, readOneOf(MODES), d.defaultMode),
    namespaces: field(root, 'namespaces', '', problems, readList(readNamespaceRule), d.namespaces),
    signatures: field(root, 'signatures', '', problems, readList(readSignatureRule), d.signatures),
  };
  return problems.list.length === 0 ? { ok: true, policy } : { ok: false, problems: problems.list };
}

/** A registry is a host[:port] (glob allowed), compared with the normalised host of a reference (SPEC §3). */
function readRegistry(value: unknown, path: string, problems: Problems): string | undefined {
  const host = readNonEmptyString(value, path, problems);
  if (host === undefined) return undefined;
  if (/[/\s@]/.test(host)) {
    return problems.add(path, `must be a registry host[:port] without scheme or path (got ${JSON.stringify(host)})`);
  }
  if (host.toLowerCase() === 'index.docker.io') {
    return problems.add(path, 'write docker.io: references to index.docker.io are normalised to docker.io (SPEC §3)');
  }
  return host;
}

function readScan(value: unknown, path: string, problems: Problems): Policy['scan'] | undefined {
  const map = readMapping(value, path, problems);
  if (map === undefined) return undefined;
  rejectUnknownKeys(map, ['required', 'maxAgeDays', 'maxFindings', 'ignoreUnfixed'], path, problems);
  const d = DEFAULT_POLICY.scan;
  return {
    required: field(map, 'required', path, problems, readBoolean, d.required),
    maxAgeDays: field(map, 'maxAgeDays', path, problems, readNonNegativeNumber, d.maxAgeDays),
    maxFindings: field(map, 'maxFindings', path, problems, readMaxFindings, d.maxFindings),
    ignoreUnfixed: field(map, 'ignoreUnfixed', path, problems, readBoolean, d.ignoreUnfixed),
  };
}

function readMaxFindings(
  value: unknown,
  path: string,
  problems: Problems,
): Readonly<Partial<Record<Severity, number>>> | undefined {
  const map = readMapping(value, path, problems);
  if (map === undefined) return undefined;
  rejectUnknownKeys(map, SEVERITIES, path, problems);
  const ceilings: Partial<Record<Severity, number>> = {};
  for (const severity of SEVERITIES) {
    const ceiling = field<number | undefined>(map, severity, path, problems, readNonNegativeInteger, undefined);
    if (ceiling !== undefined) ceilings[severity] = ceiling;
  }
  return ceilings;
}

function readImages(value: unknown, path: string, problems: Problems): Policy['images'] | undefined {
  const map = readMapping(value, path, problems);
  if (map === undefined) return undefined;
  rejectUnknownKeys(map, ['maxAgeDays'], path, problems);
  return { maxAgeDays: field(map, 'maxAgeDays', path, problems, readNonNegativeNumber, DEFAULT_POLICY.images.maxAgeDays) };
}

function readVersionFloor(value: unknown, path: string, problems: Problems): Policy['versionFloors'][number] | undefined {
  const map = readMapping(value, path, problems);
  if (map === undefined) return undefined;
  rejectUnknownKeys(map, ['repository', 'range'], path, problems);
  const repository = required(map, 'repository', path, problems, readNonEmptyString);
  const range = required(map, 'range', path, problems, readRange);
  return repository === undefined || range === undefined ? undefined : { repository, range };
}

function readRange(value: unknown, path: string, problems: Problems): string | undefined {
  const range = readNonEmptyString(value, path, problems);
  if (range === undefined) return undefined;
  const normalised = semver.validRange(range);
  if (normalised === null) return problems.add(path, `invalid semver range ${JSON.stringify(range)}`);
  // node-semver reads `x` as a wildcard, so `>=x` is "any version": as a floor that is surely a typo.
  if (normalised === '*') return problems.add(path, `invalid semver range ${JSON.stringify(range)}: it admits every version`);
  return range;
}

function readBreakGlass(value: unknown, path: string, problems: Problems): Policy['breakGlass'] | undefined {
  const map = readMapping(value, path, problems);
  if (map === undefined) return undefined;
  rejectUnknownKeys(map, ['enabled', 'namespaces', 'requireTicket', 'requireGrant'], path, problems);
  const d = DEFAULT_POLICY.breakGlass;
  return {
    enabled: field(map, 'enabled', path, problems, readBoolean, d.enabled),
    namespaces: field(map, 'namespaces', path, problems, readList(readNonEmptyString), d.namespaces),
    requireTicket: field(map, 'requireTicket', path, problems, readBoolean, d.requireTicket),
    requireGrant: field(map, 'requireGrant', path, problems, readBoolean, d.requireGrant),
  };
}

function readNamespaceRule(
  value: unknown,
  path: string,
  problems: Problems,
): { readonly match: string; readonly mode: Mode } | undefined {
  const map = readMapping(value, path, problems);
  if (map === undefined) return undefined;
  rejectUnknownKeys(map, ['match', 'mode'], path, problems);
  const match = required(map, 'match', path, problems, readNonEmptyString);
  const mode = required(map, 'mode', path, problems, readOneOf(MODES));
  return match === undefined || mode === undefined ? undefined : { match, mode };
}
