import type { Check } from '../types';
import { described, fail, pass, skip } from './check-result';
import { describeTag } from './describe-tag';
import type { ImageContext } from './image-context';

/**
 * `tag-unresolved`: in `tags: resolve` mode a tag-only reference is judged by the digest the registry gave for it.
 * A registry that failed or did not answer in time is a fact that denies, never an error (STYLE 2).
 */
export function checkTagResolution(context: ImageContext): Check {
  const { ref, policy, resolution } = context;
  if (ref.digest !== null) return skip('tag-resolution', 'the reference has a digest');
  if (policy.policy.tags !== 'resolve') return skip('tag-resolution', 'tags: require-digest');
  if (resolution === null) {
    return fail('tag-resolution', 'tag-unresolved', `${describeTag(ref)} was not resolved (no registry answer)`);
  }
  if (resolution.status === 'failed') {
    return fail('tag-resolution', 'tag-unresolved', `${describeTag(ref)} could not be resolved: ${resolution.error}`);
  }
  return pass('tag-resolution', described(context, () => `${describeTag(ref)} resolved to ${resolution.digest}`));
}
