// Tag → digest resolution for `tags: resolve` (SPEC §4 `tag-unresolved`, §5 `tagCacheSeconds`), on the review path
// under the deadline, sharing and caching rules of createDeadlineCache.
import type { ImageRef, TagResolution } from '../core/types';
import { errorMessage } from '../errors';
import { createDeadlineCache } from './deadline-cache';
import type { RegistryLookup } from './types';

export interface TagResolverOptions {
  readonly lookup: RegistryLookup;
  /** How long a successful answer is reused (policy `tagCacheSeconds`); 0 disables the cache. */
  readonly cacheSeconds: number;
  /** The deadline for one `resolve` call (default 2000 ms). */
  readonly deadlineMs?: number;
  readonly now?: () => number;
  /** Cache size bound; the oldest entries go first (default 10 000). */
  readonly maxEntries?: number;
}

export interface TagResolver {
  /**
   * Resolutions keyed by `ref.original`. A reference that already has a digest resolves to it without a
   * look-up. `cacheSeconds` overrides the option, so a reloaded policy applies without a new resolver.
   */
  resolve(refs: readonly ImageRef[], options?: { readonly cacheSeconds?: number }): Promise<ReadonlyMap<string, TagResolution>>;
}

export function createTagResolver(options: TagResolverOptions): TagResolver {
  const deadlineMs = options.deadlineMs ?? 2000;
  const answers = createDeadlineCache<TagResolution>({ deadlineMs, now: options.now ?? Date.now, maxEntries: options.maxEntries ?? 10_000 });
  const timedOut: TagResolution = { status: 'failed', error: `registry did not answer within ${deadlineMs} ms` };
  const failed = (err: unknown): TagResolution => ({ status: 'failed', error: errorMessage(err) });

  async function resolve(refs: readonly ImageRef[], call: { readonly cacheSeconds?: number } = {}): Promise<ReadonlyMap<string, TagResolution>> {
    const cacheSeconds = call.cacheSeconds ?? options.cacheSeconds;
    const results = new Map<string, TagResolution>();
    const tags = new Map<string, { readonly key: string; readonly ref: ImageRef }>();
    for (const ref of refs) {
      if (ref.digest !== null) results.set(ref.original, { status: 'resolved', digest: ref.digest });
      else tags.set(ref.original, { key: `${ref.repository}:${ref.tag ?? 'latest'}`, ref });
    }
    if (tags.size === 0) return results;
    const lookups = [...tags.values()].map(({ key, ref }) => ({
      key,
      run: async (signal: AbortSignal) => {
        const resolved = await options.lookup.resolve(ref, { signal, digestOnly: true });
        const value: TagResolution = { status: 'resolved', digest: resolved.digest };
        return { value, keepSeconds: cacheSeconds };
      },
    }));
    const byKey = await answers.lookUp(lookups, timedOut, failed);
    for (const [original, { key }] of tags) results.set(original, byKey.get(key) ?? timedOut);
    return results;
  }

  return { resolve };
}
