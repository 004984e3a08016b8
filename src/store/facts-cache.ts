import type { BreakGlassGrant, CveException, ImageFacts } from '../core/types';
import { factsKey } from '../core/image-ref';
import { AppError, StoreError, errorMessage } from '../errors';
import type { FactsKey, SnapshotFacts, SnapshotReader } from './snapshot-reader';

// A replica's cache of the review facts, whatever the engine (SPEC §6: "replicas answer from an in-memory snapshot
// refreshed on LISTEN/NOTIFY"; issue 14 item 2). A review is answered from memory; only an image not seen lately is
// read from the store (read-through), so the cache stays bounded however many approvals the store holds: a map of
// every approval and scan would cost about 0.5 GB at 1 M approvals (bench/cache-memory.js, bench/RESULTS.md), far
// beyond the 256 MiB container the reviewer runs in (SPEC §11). It is kept current two ways:
// - `changed`: each change notification names what changed (one image, every repository of a digest, the exception
//   or grant lists) and the store generation it made; only that is dropped. A notification that skips a generation
//   means one was lost (a reconnect): everything is dropped.
// - `checkGeneration`, every `checkEveryMs`: the safety net for a notification lost without a trace; a generation
//   other than the one the cache is at drops everything.
// A read that was in flight while something was dropped is answered but not kept: it may predate the change.

export interface FactsSource {
  /** The store's facts generation: it changes whenever anything the review path reads changes. */
  generation(): Promise<number>;
  /** The facts of each image (an image the store knows nothing of: no approval, no scan). */
  image(key: FactsKey): Promise<ImageFacts>;
  /** CVE exceptions not removed. */
  exceptions(): Promise<readonly CveException[]>;
  /** Break-glass grants not revoked. */
  grants(): Promise<readonly BreakGlassGrant[]>;
}

/** What a change notification says changed, and the generation the change made. */
export type FactsChange =
  /** An approval of repository+digest (approve, revoke, registry push). */
  | { readonly kind: 'image'; readonly generation: number; readonly repository: string; readonly digest: string }
  /** A scan of a digest: every repository holding it. */
  | { readonly kind: 'digest'; readonly generation: number; readonly digest: string }
  | { readonly kind: 'exceptions'; readonly generation: number }
  | { readonly kind: 'grants'; readonly generation: number }
  /** Anything, or not known what (a notification listener that reconnected may have missed some). */
  | { readonly kind: 'everything' };

export interface FactsCacheOptions {
  /** Images kept in memory, least recently used dropped first. */
  readonly maxImages?: number;
  /** How often the store's generation is compared with the cache's; 0: only when `checkGeneration` is called. */
  readonly checkEveryMs?: number;
}

export interface FactsCacheStats {
  readonly images: number;
  readonly hits: number;
  readonly misses: number;
  /** Times everything was dropped (a generation gap or a failed check). */
  readonly flushes: number;
}

export interface FactsCache extends SnapshotReader {
  changed(change: FactsChange): void;
  /** Drops everything when the store's generation is not the cache's; rejects when the store cannot be read. */
  checkGeneration(): Promise<void>;
  stats(): FactsCacheStats;
  /** Stops the periodic check. */
  close(): void;
}

export const DEFAULT_MAX_CACHED_IMAGES = 10_000;

interface Lists {
  readonly exceptions: readonly CveException[];
  readonly grants: readonly BreakGlassGrant[];
}

export function createFactsCache(source: FactsSource, options: FactsCacheOptions = {}): FactsCache {
  const max = Math.max(1, options.maxImages ?? DEFAULT_MAX_CACHED_IMAGES);
  const images = new Map<string, ImageFacts>();
  const reading = new Map<string, Promise<ImageFacts>>();
  let lists: Promise<Lists> | null = null;
  // The store generation everything cached is at least as new as; null before the first read.
  let generation: number | null = null;
  // Bumped whenever anything is dropped: a read started under an older epoch is not kept.
  let epoch = 0;
  const counts = { hits: 0, misses: 0, flushes: 0 };

  const dropAll = (): void => {
    images.clear();
    reading.clear();
    lists = null;
    epoch += 1;
    counts.flushes += 1;
  };

  /** The generation must be known before anything is cached under it: read first, then the facts. */
  const start = async (): Promise<void> => {
    if (generation !== null) return;
    const current = await source.generation();
    generation ??= current;
  };

  const readImage = (key: FactsKey, k: string): Promise<ImageFacts> => {
    const pending = reading.get(k);
    if (pending !== undefined) return pending;
    const startedAt = epoch;
    counts.misses += 1;
    const read = source.image(key).then(
      (facts) => {
        if (reading.get(k) === read) reading.delete(k);
        if (epoch === startedAt) remember(k, facts);
        return facts;
      },
      (err: unknown) => {
        if (reading.get(k) === read) reading.delete(k);
        throw err;
      },
    );
    reading.set(k, read);
    return read;
  };

  const remember = (k: string, facts: ImageFacts): void => {
    images.set(k, facts);
    if (images.size > max) images.delete(images.keys().next().value ?? k);
  };

  const image = (key: FactsKey): ImageFacts | Promise<ImageFacts> => {
    const k = factsKey(key.repository, key.digest);
    const hit = images.get(k);
    if (hit === undefined) return readImage(key, k);
    counts.hits += 1;
    // Most recently used last, so the oldest is the first key.
    images.delete(k);
    images.set(k, hit);
    return hit;
  };

  const readLists = (): Promise<Lists> => {
    if (lists !== null) return lists;
    const startedAt = epoch;
    const read = Promise.all([source.exceptions(), source.grants()]).then(([exceptions, grants]) => ({ exceptions, grants }));
    lists = read;
    read.then(
      () => {
        if (epoch !== startedAt && lists === read) lists = null;
      },
      () => {
        if (lists === read) lists = null;
      },
    );
    return read;
  };

  const facts = async (keys: readonly FactsKey[]): Promise<SnapshotFacts> => {
    await start();
    const entries = keys.map((key) => [factsKey(key.repository, key.digest), image(key)] as const);
    const found = new Map<string, ImageFacts>();
    for (const [k, value] of entries) found.set(k, await value);
    const { exceptions, grants } = await readLists();
    return { images: found, exceptions, grants };
  };

  const changed = (change: FactsChange): void => {
    if (change.kind === 'everything' || generation === null) {
      dropAll();
      generation = null;
      return;
    }
    if (change.generation <= generation) return;
    if (change.generation !== generation + 1) {
      // A generation was skipped: its notification was lost, and with it what it said.
      dropAll();
      generation = change.generation;
      return;
    }
    generation = change.generation;
    epoch += 1;
    drop(change);
  };

  const drop = (change: Exclude<FactsChange, { kind: 'everything' }>): void => {
    switch (change.kind) {
      case 'image': {
        const k = factsKey(change.repository, change.digest);
        images.delete(k);
        reading.delete(k);
        return;
      }
      case 'digest': {
        const suffix = `@${change.digest}`;
        for (const k of [...images.keys()]) if (k.endsWith(suffix)) images.delete(k);
        for (const k of [...reading.keys()]) if (k.endsWith(suffix)) reading.delete(k);
        return;
      }
      case 'exceptions':
      case 'grants':
        lists = null;
    }
  };

  const checkGeneration = async (): Promise<void> => {
    const current = await source.generation();
    if (generation === null || current === generation) {
      generation ??= current;
      return;
    }
    dropAll();
    generation = current;
  };

  const timer =
    (options.checkEveryMs ?? 0) > 0
      ? setInterval(() => {
          // A failed check drops everything: the next review reads through, and fails as the store does.
          checkGeneration().catch(() => {
            dropAll();
            generation = null;
          });
        }, options.checkEveryMs)
      : null;
  timer?.unref();

  return {
    facts: (keys) => guard(() => facts(keys)),
    check: () => guard(async () => void (await source.generation())),
    changed,
    checkGeneration: () => guard(checkGeneration),
    stats: () => ({ images: images.size, ...counts }),
    close: () => {
      if (timer !== null) clearInterval(timer);
    },
  };
}

async function guard<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new StoreError(`the store cannot be read: ${errorMessage(err)}`);
  }
}
