import type { RecordedSignature } from '../core/types';

// `decision_images.signature` (migration 0007): the signature evidence of an image's verdict, as JSON text. The
// text is what the hash chain covers (audit-hash.ts `decision/v3`), so it is written in one fixed key order per kind
// whatever order the record's object has (it crosses to the writer thread as JSON, encode-records.ts).

export function encodeDecisionSignature(signature: RecordedSignature): string {
  switch (signature.kind) {
    case 'verified':
      return JSON.stringify({
        source: signature.source,
        kind: signature.kind,
        signers: signature.signers,
        artifacts: signature.artifacts,
        verifiedAt: signature.verifiedAt,
      });
    case 'unsigned-allowed':
      return JSON.stringify({ source: signature.source, kind: signature.kind, by: signature.by });
    case 'failed':
      return JSON.stringify({ source: signature.source, kind: signature.kind, error: signature.error });
  }
}

/**
 * The stored text back as a record. Text that is not one (edited by hand) reads as null, as `decisions.groups` does:
 * `audit` still lists the decision, and `audit verify` reports the edit.
 */
export function decodeDecisionSignature(text: string | null): RecordedSignature | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const field = (name: string): unknown => Reflect.get(value, name);
  const source = field('source');
  const kind = field('kind');
  if (kind === 'verified' && (source === 'approval' || source === 'review')) {
    const signers = field('signers');
    const artifacts = field('artifacts');
    const verifiedAt = field('verifiedAt');
    if (!isStringList(signers) || !isStringList(artifacts) || typeof verifiedAt !== 'number') return null;
    return { source, kind, signers, artifacts, verifiedAt };
  }
  const by = field('by');
  if (kind === 'unsigned-allowed' && source === 'approval' && typeof by === 'string') return { source, kind, by };
  const error = field('error');
  if (kind === 'failed' && source === 'review' && typeof error === 'string') return { source, kind, error };
  return null;
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
