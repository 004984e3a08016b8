import type { ChangeEntry } from './change-log-repository';
import type { FactsChange } from './facts-cache';

// The change notifications replicas listen for (SPEC §6: "replicas answer from an in-memory snapshot refreshed on
// LISTEN/NOTIFY"): one per operator change, sent by the change-log append inside the change's own transaction, so it
// is delivered when, and only if, the change commits. It names what changed and the store's facts generation after
// it; a replica's facts cache (facts-cache.ts) drops just that, or everything when a generation was skipped.

/** The PostgreSQL channel. */
export const FACTS_CHANNEL = 'image_reviewer_facts';

/** What an operator change made stale, from its change-log entry. */
export function factsChangeOf(entry: Pick<ChangeEntry, 'action' | 'subject'>, generation: number): FactsChange {
  switch (entry.action) {
    case 'approve':
    case 'revoke': {
      // The subject is `repository@digest` (the digest has no `@`).
      const at = entry.subject.lastIndexOf('@');
      if (at <= 0) return { kind: 'everything' };
      return { kind: 'image', generation, repository: entry.subject.slice(0, at), digest: entry.subject.slice(at + 1) };
    }
    case 'exception-add':
    case 'exception-remove':
      return { kind: 'exceptions', generation };
    case 'break-glass-grant':
    case 'break-glass-revoke':
      return { kind: 'grants', generation };
    default:
      // A scan names its digests in its details, a registry event may approve: drop everything rather than guess.
      return { kind: 'everything' };
  }
}

export function encodeFactsChange(change: FactsChange): string {
  return JSON.stringify(change);
}

/** A notification's payload; anything unexpected (another version's format) drops everything. */
export function parseFactsChange(payload: string | undefined): FactsChange {
  let value: unknown;
  try {
    value = JSON.parse(payload ?? '');
  } catch {
    return { kind: 'everything' };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'everything' };
  const kind: unknown = Reflect.get(value, 'kind');
  const generation: unknown = Reflect.get(value, 'generation');
  if (!Number.isSafeInteger(generation)) return { kind: 'everything' };
  const g = Number(generation);
  if (kind === 'exceptions' || kind === 'grants') return { kind, generation: g };
  const digest: unknown = Reflect.get(value, 'digest');
  if (typeof digest !== 'string') return { kind: 'everything' };
  if (kind === 'digest') return { kind, generation: g, digest };
  const repository: unknown = Reflect.get(value, 'repository');
  if (kind === 'image' && typeof repository === 'string') return { kind, generation: g, repository, digest };
  return { kind: 'everything' };
}
