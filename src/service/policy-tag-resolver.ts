import type { TagResolver } from '../registry/tag-resolver';
import type { TagResolverLike } from './review-service';

/**
 * The review path's tag resolver across policy reloads (SPEC §5 `tagCacheSeconds`). The resolver takes the
 * lifetime per call, but an answer keeps the lifetime it was cached with: when a reload shortens
 * `tagCacheSeconds` (typically because a tag moved and must be noticed sooner), the cache is dropped by
 * starting a fresh resolver, so no answer outlives the lifetime now in force.
 */
export function createPolicyTagResolver(create: () => TagResolver): TagResolverLike {
  let resolver = create();
  let lastSeconds: number | undefined;
  return {
    resolve: (refs, options = {}) => {
      const seconds = options.cacheSeconds;
      if (seconds !== undefined && lastSeconds !== undefined && seconds < lastSeconds) resolver = create();
      lastSeconds = seconds ?? lastSeconds;
      return resolver.resolve(refs, options);
    },
  };
}
