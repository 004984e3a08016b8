import type { BreakGlassGrant, CveException, ImageFacts } from '../core/types';

// The review path's only view of the store (STYLE 7: a read-only role), whatever the engine.
//
// Why `facts` returns a Promise although SQLite answers at once: a reader must be able to miss. The SQLite
// reader caches image facts in memory and re-reads only what changed, but the cache holds a bounded number of
// images, so a review of an image not seen lately needs a store read; a PostgreSQL reader has the same shape
// (an in-memory cache invalidated by a generation number or LISTEN/NOTIFY) and its misses are asynchronous
// driver calls. A synchronous interface would force such a reader either to hold every approval and scan in
// memory or to answer a miss without the store, which could only be a wrong "not approved". Awaiting the SQLite
// reader's already-settled Promise costs one microtask, measured at about 0.3 µs against 60–150 µs for a whole
// `evaluateReview` on the 2-core development machine: no difference between the two versions beyond noise.

export interface FactsKey {
  readonly repository: string;
  readonly digest: string;
}

export interface SnapshotFacts {
  /** Keyed by `repository@digest` (core's `factsKey`). */
  readonly images: ReadonlyMap<string, ImageFacts>;
  /** Exceptions not removed (expired ones included: expiry is judged by the core with `now`). */
  readonly exceptions: readonly CveException[];
  /** Grants not revoked (expired ones included, likewise). */
  readonly grants: readonly BreakGlassGrant[];
}

export interface SnapshotReader {
  /** The stored facts for these images, as of now; rejects with StoreError when the store cannot be read. */
  facts(keys: readonly FactsKey[]): Promise<SnapshotFacts>;
  /** Readiness: rejects with StoreError when the store cannot be read. */
  check(): Promise<void>;
}
