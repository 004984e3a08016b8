import type Database from 'better-sqlite3';
import type { BreakGlassGrant, CveException, ImageFacts } from '../../core/types';
import { AppError, StoreError, errorMessage } from '../../errors';
import { factsKey } from '../../core/image-ref';
import type { FactsKey, SnapshotFacts, SnapshotReader } from '../snapshot-reader';
import type { FactsSource } from '../facts-cache';
import {
  EFFECTIVE_SCAN_DATE,
  type ApprovalRow,
  type ExceptionRow,
  type FindingRow,
  type GrantRow,
  type ScanRow,
  toApproval,
  toException,
  toGrant,
  toScanResult,
} from './snapshot-rows';

// The SQLite snapshot reader. A review reads one integer, `meta.facts_generation`, which the schema's triggers
// bump on every change to approvals, scans, exceptions or grants by anyone (the CLI, another process, a
// hand-run sqlite3); while it is unchanged the cached facts are served from memory, so a review costs one
// cheap read (SPEC §11). The reads are synchronous (better-sqlite3) and done when `facts` is called; the
// Promise the interface asks for is already settled when returned (see ../snapshot-reader.ts for why).
//
// The generation is read once per turn of the event loop, not once per review: reviews handled in the same turn
// (the requests one poll of the sockets delivered) share the read. That read is an autocommit transaction whose
// WAL locks cost a few system calls, about 25 µs on the 2-core development machine, where everything else a
// review reads is served from memory (cpu profile, bench/RESULTS.md). Those reviews' requests had all arrived before
// the turn began, so none of them can be ordered after a change committed during it: a write made by another
// process is seen from the next turn on, as before it was seen from the next review on.

export interface SnapshotReaderOptions {
  /** Images kept in memory (least recently used dropped first). */
  readonly maxCachedImages?: number;
}

export const DEFAULT_MAX_CACHED_IMAGES = 10_000;

export function createSnapshotReader(db: Database.Database, options: SnapshotReaderOptions = {}): SnapshotReader {
  const max = Math.max(1, options.maxCachedImages ?? DEFAULT_MAX_CACHED_IMAGES);
  const statements = guard(() => prepareStatements(db));
  const cache = new Map<string, ImageFacts>();
  let generation: number | null = null;
  let lists: { readonly exceptions: readonly CveException[]; readonly grants: readonly BreakGlassGrant[] } | null =
    null;

  // Set while this turn of the event loop has read the generation; cleared once the turn ends.
  let readThisTurn = false;
  const endTurn = (): void => {
    readThisTurn = false;
  };

  // The generation is read before the facts, so cached facts are never older than the generation they
  // are filed under; a write landing in between only makes them newer, and the next turn clears them.
  const sync = (): void => {
    if (readThisTurn) return;
    const current = statements.readGeneration();
    readThisTurn = true;
    setImmediate(endTurn);
    if (current === generation) return;
    cache.clear();
    lists = null;
    generation = current;
  };

  /** `k` is `key` as factsKey writes it, made once per look-up (hashing a fresh string is not free). */
  const image = (key: FactsKey, k: string): ImageFacts => {
    const hit = cache.get(k);
    if (hit !== undefined) {
      cache.delete(k);
      cache.set(k, hit);
      return hit;
    }
    const facts = statements.readImage(key);
    cache.set(k, facts);
    if (cache.size > max) cache.delete(cache.keys().next().value ?? k);
    return facts;
  };

  const read = (keys: readonly FactsKey[]): SnapshotFacts => {
    sync();
    lists ??= { exceptions: statements.readExceptions(), grants: statements.readGrants() };
    const images = new Map<string, ImageFacts>();
    for (const key of keys) {
      const k = factsKey(key.repository, key.digest);
      images.set(k, image(key, k));
    }
    return { images, exceptions: lists.exceptions, grants: lists.grants };
  };

  return {
    facts: async (keys) => guard(() => read(keys)),
    check: async () => guard(() => void statements.readGeneration()),
  };
}

/** The same reads as a FactsSource (../facts-cache.ts), each a settled Promise. */
export function sqliteFactsSource(db: Database.Database): FactsSource {
  const statements = guard(() => prepareStatements(db));
  return {
    generation: async () => guard(() => statements.readGeneration()),
    image: async (key) => guard(() => statements.readImage(key)),
    exceptions: async () => guard(() => statements.readExceptions()),
    grants: async () => guard(() => statements.readGrants()),
  };
}

interface Statements {
  readGeneration(): number;
  readImage(key: FactsKey): ImageFacts;
  readExceptions(): readonly CveException[];
  readGrants(): readonly BreakGlassGrant[];
}

function prepareStatements(db: Database.Database): Statements {
  // Plucked: read on every review, so no row object is built for the one integer.
  const generation = db.prepare<[], number>("SELECT value FROM meta WHERE key = 'facts_generation'").pluck();
  const approval = db.prepare<[string, string], ApprovalRow>(
    `SELECT repository, digest, tag, approved_by, approved_at, reason, expires_at, image_created_at,
            revoked_at, revoked_by, revoke_reason, signature
     FROM approvals WHERE repository = ? AND digest = ? ORDER BY id DESC LIMIT 1`,
  );
  // Newest by when the scanner ran, then by import order (the same rule as `scan show`); see EFFECTIVE_SCAN_DATE.
  const scan = db.prepare<[string], ScanRow>(
    `SELECT s.id, s.scanner, ${EFFECTIVE_SCAN_DATE} AS scanned_at FROM scan_targets t JOIN scans s ON s.id = t.scan_id
     WHERE t.digest = ? ORDER BY ${EFFECTIVE_SCAN_DATE} DESC, s.id DESC LIMIT 1`,
  );
  const findings = db.prepare<[number], FindingRow>(
    'SELECT vuln_id, package, installed, fixed, severity FROM findings WHERE scan_id = ? ORDER BY rowid',
  );
  const exceptions = db.prepare<[], ExceptionRow>(
    'SELECT id, vuln_id, repository, expires_at, reason FROM cve_exceptions WHERE removed_at IS NULL ORDER BY id',
  );
  const grants = db.prepare<[], GrantRow>(
    'SELECT id, namespace, ticket, expires_at, revoked_at FROM break_glass_grants WHERE revoked_at IS NULL ORDER BY id',
  );
  return {
    readGeneration: () => {
      const value = generation.get();
      if (value === undefined) throw new StoreError('the store has no facts generation (meta): is it migrated?');
      return value;
    },
    readImage: (key) => {
      const a = approval.get(key.repository, key.digest);
      const s = scan.get(key.digest);
      return {
        approval: a === undefined ? null : toApproval(a),
        scan: s === undefined ? null : toScanResult(key.digest, s, findings.all(s.id)),
      };
    },
    readExceptions: () => exceptions.all().map(toException),
    readGrants: () => grants.all().map(toGrant),
  };
}

function guard<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new StoreError(`the store cannot be read: ${errorMessage(err)}`);
  }
}
