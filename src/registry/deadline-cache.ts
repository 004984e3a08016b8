// Registry answers on the review path (SPEC §4 `tag-unresolved`, §5 `signatures` with `approves: true`): every
// look-up of a review runs at once under one short deadline (well under the API server's webhook timeout),
// concurrent reviews share a look-up in flight, successes are reused for a while, and a registry that is slow or
// failing becomes an answer that denies with a reason (STYLE 2), never an exception or a 500.

export interface DeadlineCacheOptions {
  /** The deadline for one `lookUp` call. */
  readonly deadlineMs: number;
  readonly now: () => number;
  /** Cache size bound; the oldest entries go first. */
  readonly maxEntries: number;
}

export interface Lookup<T> {
  /** The cache key: equal keys are one look-up. */
  readonly key: string;
  /** The answer and how long it may be reused (0: not cached). Rejects on failure. */
  run(signal: AbortSignal): Promise<{ readonly value: T; readonly keepSeconds: number }>;
}

export interface DeadlineCache<T> {
  /**
   * Answers keyed by `Lookup.key`: from the cache, or looked up within the deadline. `late` answers a look-up that
   * did not finish in time; `failed` turns a rejection into an answer.
   */
  lookUp(lookups: readonly Lookup<T>[], late: T, failed: (err: unknown) => T): Promise<ReadonlyMap<string, T>>;
}

export function createDeadlineCache<T>(options: DeadlineCacheOptions): DeadlineCache<T> {
  const { deadlineMs, now, maxEntries } = options;
  const cache = new Map<string, { readonly value: T; readonly expiresAt: number }>();
  const inFlight = new Map<string, Promise<T>>();

  function cached(key: string): { readonly value: T } | null {
    const entry = cache.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt > now()) return entry;
    cache.delete(key);
    return null;
  }

  function remember(key: string, value: T, keepSeconds: number): void {
    if (keepSeconds <= 0) return;
    cache.delete(key);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value ?? key);
    cache.set(key, { value, expiresAt: now() + keepSeconds * 1000 });
  }

  async function attempt(lookup: Lookup<T>, late: T, failed: (err: unknown) => T): Promise<T> {
    const signal = AbortSignal.timeout(deadlineMs);
    try {
      const answer = await lookup.run(signal);
      remember(lookup.key, answer.value, answer.keepSeconds);
      return answer.value;
    } catch (err) {
      return signal.aborted ? late : failed(err);
    }
  }

  function shared(lookup: Lookup<T>, late: T, failed: (err: unknown) => T): Promise<T> {
    const running = inFlight.get(lookup.key);
    if (running !== undefined) return running;
    const promise = attempt(lookup, late, failed);
    inFlight.set(lookup.key, promise);
    void promise.finally(() => {
      if (inFlight.get(lookup.key) === promise) inFlight.delete(lookup.key);
    });
    return promise;
  }

  async function lookUp(lookups: readonly Lookup<T>[], late: T, failed: (err: unknown) => T): Promise<ReadonlyMap<string, T>> {
    const results = new Map<string, T>();
    const pending = new Map<string, Promise<T>>();
    for (const lookup of lookups) {
      if (results.has(lookup.key) || pending.has(lookup.key)) continue;
      const hit = cached(lookup.key);
      if (hit !== null) results.set(lookup.key, hit.value);
      else pending.set(lookup.key, shared(lookup, late, failed));
    }
    if (pending.size === 0) return results;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<T>((done) => {
      timer = setTimeout(() => done(late), deadlineMs);
    });
    try {
      const answers = await Promise.all([...pending.values()].map((p) => Promise.race([p, deadline])));
      [...pending.keys()].forEach((key, i) => results.set(key, answers[i]!));
    } finally {
      clearTimeout(timer);
    }
    return results;
  }

  return { lookUp };
}
