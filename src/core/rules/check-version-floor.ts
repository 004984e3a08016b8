import semver from 'semver';
import type { Approval, Check, CompiledVersionFloor } from '../types';
import { described, fail, pass, skip } from './check-result';
import type { ImageContext } from './image-context';

/**
 * `version-below-floor` / `version-unknown` (SPEC §4): in a repository that a `versionFloors` entry matches, the
 * image's version must be known, semver (a leading `v` allowed) and inside every matching range.
 *
 * Which version: when a digest is judged, the tag recorded when that digest was approved. The pod's own tag proves
 * nothing about a digest (`api:9.9.9@sha256:F` runs F whatever it says), and neither does the tag a resolve-mode
 * lookup asked the registry for: the registry says where the tag points now, but anyone who can push can point
 * `9.9.9` at an old digest, while the approval records what an operator vetted. A digest without a semver version
 * on record (approved by digest alone, under `latest`, by signature or by push, or not approved at all) is denied
 * `version-unknown` rather than passing silently. Only when no digest is judged (a tag-only reference, already
 * denied `digest-required` or `tag-unresolved`) is the reference's tag the version, to say what it names.
 */
export function checkVersionFloor(context: ImageContext): Check {
  const { ref, digest, facts, policy } = context;
  const floors = policy.matchers.versionFloors.filter((floor) => floor.matchesRepository(ref.repository));
  if (floors.length === 0) return skip('version-floor', described(context, () => `no version floor for ${ref.repository}`));
  const ranges = (list: readonly CompiledVersionFloor[]): string => list.map((floor) => JSON.stringify(floor.range)).join(' and ');
  const version = digest === null ? fromReference(ref.tag) : fromApproval(facts.approval, ref.tag);
  if (version.semver === null) return fail('version-floor', 'version-unknown', `${version.unknown} (floor ${ranges(floors)})`);
  const below = floors.filter((floor) => !floor.satisfiedBy(version.semver));
  if (below.length > 0) return fail('version-floor', 'version-below-floor', `${version.named} is outside ${ranges(below)}${version.note}`);
  return pass('version-floor', described(context, () => `${version.named} satisfies ${ranges(floors)}${version.note}`));
}

type Version =
  | { readonly semver: string; readonly named: string; readonly note: string }
  | { readonly semver: null; readonly unknown: string };

function fromApproval(approval: Approval | null, podTag: string | null): Version {
  if (approval === null) return { semver: null, unknown: 'no approval records a version for this digest' };
  const approvedTag = approval.tag;
  if (approvedTag === null) return { semver: null, unknown: 'approved without a tag: no version on record' };
  const named = `approved tag ${JSON.stringify(approvedTag)}`;
  // semver.valid accepts (and strips) a leading `v`, as in `v2.4.1`.
  const version = semver.valid(approvedTag);
  if (version === null) return { semver: null, unknown: `${named} is not a semver version` };
  const note = podTag === null || podTag === approvedTag ? '' : `; the pod's tag ${JSON.stringify(podTag)} is not judged`;
  return { semver: version, named, note };
}

function fromReference(tag: string | null): Version {
  if (tag === null) return { semver: null, unknown: 'no tag to read a version from' };
  const named = `tag ${JSON.stringify(tag)}`;
  const version = semver.valid(tag);
  return version === null ? { semver: null, unknown: `${named} is not a semver version` } : { semver: version, named, note: '' };
}
