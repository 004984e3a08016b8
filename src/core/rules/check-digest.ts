import type { Check } from '../types';
import { described, fail, pass, skip } from './check-result';
import { describeTag } from './describe-tag';
import type { ImageContext } from './image-context';

/** `digest-required`: with `tags: require-digest` a reference must pin a digest, since a tag can move (SPEC §4). */
export function checkDigest(context: ImageContext): Check {
  const { ref, policy } = context;
  if (ref.digest !== null) return pass('digest', described(context, () => `pinned to ${ref.digest}`));
  if (policy.policy.tags === 'resolve') return skip('digest', 'tags: resolve, the tag is resolved to a digest');
  return fail('digest', 'digest-required', `${describeTag(ref)} has no digest`);
}
