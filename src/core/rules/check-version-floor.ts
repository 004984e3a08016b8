import semver from 'semver';
import type { Check } from '../types';
import { fail, pass, skip } from './check-result';
import type { ImageContext } from './image-context';

/**
 * `version-below-floor`: the reference's tag, else the tag recorded at approval (a digest-only reference still
 * carries its version that way), when it is semver (a leading `v` allowed), must satisfy every `versionFloors`
 * range whose repository glob matches. Tags that are not semver (`latest`, `1.0`) are not judged.
 */
export function checkVersionFloor({ ref, facts, policy }: ImageContext): Check {
  const floors = policy.matchers.versionFloors.filter((floor) => floor.matchesRepository(ref.repository));
  if (floors.length === 0) return skip('version-floor', `no version floor for ${ref.repository}`);
  const tag = ref.tag ?? facts.approval?.tag ?? null;
  if (tag === null) return skip('version-floor', 'no tag to read a version from');
  const named = `${ref.tag === null ? 'approved tag' : 'tag'} ${JSON.stringify(tag)}`;
  // semver.valid accepts (and strips) a leading `v`, as in `v2.4.1`.
  const version = semver.valid(tag);
  if (version === null) return skip('version-floor', `${named} is not semver`);
  const below = floors.filter((floor) => !floor.satisfiedBy(version));
  if (below.length > 0) {
    const ranges = below.map((floor) => JSON.stringify(floor.range)).join(' and ');
    return fail('version-floor', 'version-below-floor', `${named} is outside ${ranges}`);
  }
  const ranges = floors.map((floor) => JSON.stringify(floor.range)).join(' and ');
  return pass('version-floor', `${named} satisfies ${ranges}`);
}
