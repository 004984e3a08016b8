import type { Check } from '../types';
import { NO_DIGEST } from './check-approval';
import { described, fail, pass, skip } from './check-result';
import { DAY_MS, daysAgo, formatTime, plural } from './format-time';
import type { ImageContext } from './image-context';

/**
 * `image-too-old`: the build time is the one recorded at approval from the image config. When the registry did not
 * give it, the check is skipped (and says so) rather than failed: an unknown age is not an old image.
 */
export function checkImageAge(context: ImageContext): Check {
  const { digest, facts, policy, now } = context;
  const { maxAgeDays } = policy.policy.images;
  if (maxAgeDays === 0) return skip('image-age', 'images.maxAgeDays is 0 (off)');
  if (digest === null) return skip('image-age', NO_DIGEST);
  const { approval } = facts;
  if (approval === null) return skip('image-age', 'no approval recording the build time');
  if (approval.imageCreatedAt === null) return skip('image-age', 'build time unknown');
  const built = approval.imageCreatedAt;
  const age = (): string => `built at ${formatTime(built)} (${plural(daysAgo(built, now), 'day')} ago)`;
  if (now - built > maxAgeDays * DAY_MS) {
    return fail('image-age', 'image-too-old', `${age()}, older than ${plural(maxAgeDays, 'day')}`);
  }
  return pass('image-age', described(context, () => `${age()}, within ${plural(maxAgeDays, 'day')}`));
}
