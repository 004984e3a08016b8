import type { RecordedSignature } from '../types';
import type { ImageContext } from './image-context';

/**
 * What the audit row records of an image's signatures (SPEC §6), in the order checkSignature weighs them: the
 * approval's record first, then what the reviewer verified itself. Null when no `signatures` entry matches the
 * repository, or when there is no digest (nothing was verified or recorded).
 */
export function recordedSignature({ ref, digest, facts, signature, policy }: ImageContext): RecordedSignature | null {
  if (digest === null || policy.matchers.signatureRule(ref.repository) === null) return null;
  const recorded = facts.approval?.signature ?? null;
  if (recorded?.kind === 'verified') return { source: 'approval', kind: 'verified', ...recorded.evidence };
  if (recorded?.kind === 'unsigned-allowed') return { source: 'approval', kind: 'unsigned-allowed', by: recorded.by };
  if (signature?.status === 'verified') return { source: 'review', kind: 'verified', ...signature.evidence };
  if (signature?.status === 'failed') return { source: 'review', kind: 'failed', error: signature.error };
  return null;
}
