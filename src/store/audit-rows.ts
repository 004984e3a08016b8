import type Database from 'better-sqlite3';
import type { RecordedSignature } from '../core/types';
import type { ChainRow } from './audit-hash';
import { decodeDecisionSignature } from './decision-signature';

// Reading decisions' images for a page of results: one query for the whole page, grouped in memory.

export interface AuditImage {
  readonly image: string;
  readonly repository: string | null;
  readonly digest: string | null;
  readonly allowed: boolean;
  readonly reasons: readonly string[];
  /** An image an UPDATE did not change: recorded, not judged. */
  readonly unchanged: boolean;
  /** The signature evidence its verdict rested on; null when none (or before migration 0007). */
  readonly signature: RecordedSignature | null;
}

/** A `decisions` row joined with its policy hash, as both the audit query and the chain walk read it. */
export interface DecisionRow {
  readonly id: number;
  readonly time: number;
  readonly namespace: string;
  readonly allowed: number;
  readonly mode: string;
  readonly break_glass: number;
  readonly ticket: string | null;
  readonly reason: string;
  readonly overridden: string | null;
  readonly policy_hash: string | null;
  readonly user: string | null;
  readonly groups: string | null;
  readonly latency_us: number;
}

/** The row's fields in camelCase, values as stored (0/1 flags): what the chain hashes and the query converts. */
export function decisionFields(row: DecisionRow): Omit<ChainRow, 'images'> {
  return {
    id: row.id,
    time: row.time,
    namespace: row.namespace,
    allowed: row.allowed,
    mode: row.mode,
    breakGlass: row.break_glass,
    ticket: row.ticket,
    reason: row.reason,
    overridden: row.overridden,
    policyHash: row.policy_hash,
    user: row.user,
    groups: row.groups,
    latencyUs: row.latency_us,
  };
}

/** One image of a decision with its interned reference, in (decision_id, idx) order. */
export interface ImageRow {
  readonly decision_id: number;
  readonly image: string;
  readonly repository: string | null;
  readonly digest: string | null;
  readonly allowed: number;
  readonly reasons: string;
  readonly unchanged: number;
  readonly signature: string | null;
}

export function imagesOf(db: Database.Database, decisionIds: readonly number[]): ReadonlyMap<number, AuditImage[]> {
  if (decisionIds.length === 0) return new Map();
  const rows = db
    .prepare<[string], ImageRow>(
      `SELECT di.decision_id, r.image, r.repository, r.digest, di.allowed, di.reasons, di.unchanged, di.signature
       FROM decision_images di JOIN image_refs r ON r.id = di.image_id
       WHERE di.decision_id IN (SELECT value FROM json_each(?))
       ORDER BY di.decision_id, di.idx`,
    )
    .all(JSON.stringify(decisionIds));
  return groupImages(rows);
}

/** Image rows grouped by decision, in the order read. */
export function groupImages(rows: readonly ImageRow[]): ReadonlyMap<number, AuditImage[]> {
  const byDecision = new Map<number, AuditImage[]>();
  for (const row of rows) {
    const list = byDecision.get(row.decision_id) ?? [];
    list.push({
      image: row.image,
      repository: row.repository,
      digest: row.digest,
      allowed: row.allowed === 1,
      reasons: splitReasons(row.reasons),
      unchanged: row.unchanged === 1,
      signature: decodeDecisionSignature(row.signature ?? null),
    });
    byDecision.set(row.decision_id, list);
  }
  return byDecision;
}

/** `decision_images.reasons` holds the codes comma-separated, '' when none. */
export function splitReasons(text: string): readonly string[] {
  return text === '' ? [] : text.split(',');
}
