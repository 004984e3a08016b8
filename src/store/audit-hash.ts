import { createHash } from 'node:crypto';

// The audit trail's hash chain (SPEC §6), shared by the writer and `audit verify` so that both hash
// exactly the same canonical form. Each decision's hash is sha256(previous hash || canonical row), so
// editing a row changes its hash, and deleting one breaks the link of the row after it; `audit_head`
// holds the newest id and hash, so deleting the last rows is detected too.

/** One image row of a decision, as stored (booleans as 0/1, reason codes comma-separated). */
export interface ChainImage {
  readonly image: string;
  readonly repository: string | null;
  readonly digest: string | null;
  readonly allowed: number;
  readonly reasons: string;
  /** 1 for an image an UPDATE did not change (recorded, not judged), else 0. */
  readonly unchanged: number;
  /** The signature evidence as stored: JSON text (decision-signature.ts), null when none (migration 0007). */
  readonly signature: string | null;
}

/** A decision row as stored, with its policy hash (not the interned policy id) and its images in order. */
export interface ChainRow {
  readonly id: number;
  readonly time: number;
  readonly namespace: string;
  readonly allowed: number;
  readonly mode: string;
  readonly breakGlass: number;
  readonly ticket: string | null;
  readonly reason: string;
  readonly overridden: string | null;
  readonly policyHash: string | null;
  readonly user: string | null;
  /** JSON array text of the requesting user's groups, or null (ImageReview). */
  readonly groups: string | null;
  readonly latencyUs: number;
  readonly images: readonly ChainImage[];
}

/** The "previous hash" of the first decision. */
export const GENESIS_HASH: Buffer = Buffer.alloc(32);

/**
 * A JSON array in a fixed field order: deterministic, unambiguous (strings are quoted and escaped) and
 * type-sensitive, so changing `allowed` from 0 to 1, or to the text '0', changes it. Version-tagged so
 * the form can evolve without ambiguity, each row keeping the oldest form that covers what it holds, so rows
 * written before a migration verify exactly as they were hashed: nothing that migrations 0003 or 0007 added (no
 * groups, no unchanged image, no signature evidence: every plain ImageReview decision) → `decision/v1`; groups or
 * an unchanged image (0003) → `decision/v2`; any image with signature evidence (0007) → `decision/v3`, which covers
 * all of them. Which form applies is read from the row itself, so editing a v2 or v3 field still breaks the hash.
 */
export function canonicalDecision(row: ChainRow): string {
  if (row.images.some((i) => i.signature !== null)) {
    return JSON.stringify([
      'decision/v3',
      ...decisionV1Fields(row),
      row.groups,
      row.images.map((i) => [i.image, i.repository, i.digest, i.allowed, i.reasons, i.unchanged, i.signature]),
    ]);
  }
  if (row.groups !== null || row.images.some((i) => i.unchanged !== 0)) {
    return JSON.stringify([
      'decision/v2',
      ...decisionV1Fields(row),
      row.groups,
      row.images.map((i) => [i.image, i.repository, i.digest, i.allowed, i.reasons, i.unchanged]),
    ]);
  }
  return JSON.stringify([
    'decision/v1',
    ...decisionV1Fields(row),
    row.images.map((i) => [i.image, i.repository, i.digest, i.allowed, i.reasons]),
  ]);
}

function decisionV1Fields(row: ChainRow): readonly unknown[] {
  return [
    row.id,
    row.time,
    row.namespace,
    row.allowed,
    row.mode,
    row.breakGlass,
    row.ticket,
    row.reason,
    row.overridden,
    row.policyHash,
    row.user,
    row.latencyUs,
  ];
}

export function chainHash(previous: Buffer, row: ChainRow): Buffer {
  return createHash('sha256').update(previous).update(canonicalDecision(row), 'utf8').digest();
}

/**
 * SQLite stores text as UTF-8, where a lone UTF-16 surrogate (possible in JSON from the wire: `"\ud800"`)
 * has no encoding and would read back differently from what was hashed. Replacing them with U+FFFD
 * before hashing and storing keeps the chain verifiable.
 */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
