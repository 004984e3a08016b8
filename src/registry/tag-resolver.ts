// Tag → digest resolution for `tags: resolve` (SPEC §4 `tag-unresolved`, §5 `tagCacheSeconds`). It runs on
// the review path, so it never throws and never waits long: every tag of a review is looked up at once
// under one short deadline (well under the API server's webhook timeout), and a registry that is slow or
// failing becomes a `failed` fact that denies with a reason (STYLE 2), not a 500.
import type { ImageRef, TagResolution } from '../core/types';
import { errorMessage } from '../errors';
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
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const timedOut: TagResolution = { status: 'failed', error: `registry did not answer within ${deadlineMs} ms` };
  const cache = new Map<string, { readonly digest: string; readonly expiresAt: number }>();
  // Concurrent reviews of the same tag share one registry request.
  const inFlight = new Map<string, Promise<TagResolution>>();

  function cached(key: string): string | null {
    const entry = cache.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt > now()) return entry.digest;
    cache.delete(key);
    return null;
  }

  function remember(key: string, digest: string, cacheSeconds: number): void {
    if (cacheSeconds <= 0) return;
    cache.delete(key);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value ?? key);
    cache.set(key, { digest, expiresAt: now() + cacheSeconds * 1000 });
  }

  async function attempt(ref: ImageRef, key: string, cacheSeconds: number): Promise<TagResolution> {
    const signal = AbortSignal.timeout(deadlineMs);
    try {
      const resolved = await options.lookup.resolve(ref, { signal, digestOnly: true });
      remember(key, resolved.digest, cacheSeconds);
      return { status: 'resolved', digest: resolved.digest };
    } catch (err) {
      return signal.aborted ? timedOut : { status: 'failed', error: errorMessage(err) };
    }
  }

  function shared(ref: ImageRef, key: string, cacheSeconds: number): Promise<TagResolution> {
    const running = inFlight.get(key);
    if (running !== undefined) return running;
    const promise = attempt(ref, key, cacheSeconds);
    inFlight.set(key, promise);
    void promise.finally(() => {
      if (inFlight.get(key) === promise) inFlight.delete(key);
    });
    return promise;
  }

  async function resolve(refs: readonly ImageRef[], call: { readonly cacheSeconds?: number } = {}): Promise<ReadonlyMap<string, TagResolution>> {
    const cacheSeconds = call.cacheSeconds ?? options.cacheSeconds;
    const results = new Map<string, TagResolution>();
    const pending = new Map<string, Promise<TagResolution>>();
    for (const ref of refs) {
      if (results.has(ref.original) || pending.has(ref.original)) continue;
      if (ref.digest !== null) {
        results.set(ref.original, { status: 'resolved', digest: ref.digest });
        continue;
      }
      const key = `${ref.repository}:${ref.tag ?? 'latest'}`;
      const digest = cached(key);
      if (digest !== null) results.set(ref.original, { status: 'resolved', digest });
      else pending.set(ref.original, shared(ref, key, cacheSeconds));
    }
    if (pending.size === 0) return results;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<TagResolution>((done) => {
      timer = setTimeout(() => done(timedOut), deadlineMs);
    });
    try {
      const answers = await Promise.all([...pending.values()].map((p) => Promise.race([p, deadline])));
      [...pending.keys()].forEach((original, i) => results.set(original, answers[i]!));
    } finally {
      clearTimeout(timer);
    }
    return results;
  }

  return { resolve };
}
