// Signature verification for `approve` and, for `approves: true` entries, on the review path (SPEC §4, §5): the
// review path runs under the deadline, sharing and caching rules of `tags: resolve` (createDeadlineCache), and a
// registry that is slow or failing yields a failed verification (`signature-missing` with the reason), never an allow.
import { factsKey } from '../core/image-ref';
import type { CompiledPolicy, ImageRef, SignatureVerification } from '../core/types';
import { errorMessage } from '../errors';
import { createDeadlineCache } from '../registry/deadline-cache';
import type { FoundSignatures } from '../registry/fetch-signature-artifacts';
import type { SignatureLookup } from '../registry/types';

export interface SignatureTarget {
  readonly ref: ImageRef;
  readonly digest: string;
}

export interface SignatureCheckerOptions {
  readonly lookup: SignatureLookup;
  /** The deadline for one `check` call (default 2000 ms, as tag resolution). */
  readonly deadlineMs?: number;
  readonly now?: () => number;
  /** Cache size bound (default 10 000). */
  readonly maxEntries?: number;
}

export interface SignatureChecker {
  /**
   * Verifications keyed by `repository@digest`, for targets whose repository has a `signatures` entry. Verified
   * answers are reused for the policy's `tagCacheSeconds` under the same policy (its hash covers the keys).
   */
  check(targets: readonly SignatureTarget[], policy: CompiledPolicy): Promise<ReadonlyMap<string, SignatureVerification>>;
}

export function createSignatureChecker(options: SignatureCheckerOptions): SignatureChecker {
  const deadlineMs = options.deadlineMs ?? 2000;
  const now = options.now ?? Date.now;
  const answers = createDeadlineCache<SignatureVerification>({ deadlineMs, now, maxEntries: options.maxEntries ?? 10_000 });
  const timedOut: SignatureVerification = { status: 'failed', error: `registry did not answer within ${deadlineMs} ms` };
  const failed = (err: unknown): SignatureVerification => ({ status: 'failed', error: errorMessage(err) });

  async function check(targets: readonly SignatureTarget[], policy: CompiledPolicy): Promise<ReadonlyMap<string, SignatureVerification>> {
    const lookups = targets.flatMap(({ ref, digest }) => {
      if (policy.matchers.signatureRule(ref.repository) === null) return [];
      return [{
        key: `${policy.hash} ${factsKey(ref.repository, digest)}`,
        run: async (signal: AbortSignal) => {
          const value = await verifyImageSignatures(options.lookup, ref, digest, policy, now, signal);
          return { value, keepSeconds: value.status === 'verified' ? policy.policy.tagCacheSeconds : 0 };
        },
      }];
    });
    if (lookups.length === 0) return new Map();
    const byKey = await answers.lookUp(lookups, timedOut, failed);
    const prefix = `${policy.hash} `.length;
    return new Map([...byKey].map(([key, value]) => [key.slice(prefix), value]));
  }

  return { check };
}

/**
 * The verification of `ref.repository@digest` against its `signatures` entry (the first whose glob matches). Rejects
 * only when `signal` aborts; an unreachable registry or a missing entry is a failed verification.
 */
export async function verifyImageSignatures(
  lookup: SignatureLookup,
  ref: ImageRef,
  digest: string,
  policy: CompiledPolicy,
  now: () => number,
  signal?: AbortSignal,
): Promise<SignatureVerification> {
  const matched = policy.matchers.signatureRule(ref.repository);
  const trust = matched === null ? undefined : policy.signatureTrust[matched.index];
  if (matched === null || trust === undefined) return { status: 'failed', error: `no signatures entry for ${ref.repository}` };
  let found: FoundSignatures;
  try {
    found = await lookup.signatures(ref, digest, signal === undefined ? {} : { signal });
  } catch (err) {
    if (signal?.aborted === true) throw err;
    return { status: 'failed', error: errorMessage(err) };
  }
  // Loaded on first use: the Sigstore packages it needs cost ~10 MB and ~0.3 s, which a policy without signatures
  // entries should not pay at start-up.
  const { verifySignatures } = require('./verify-signatures') as typeof import('./verify-signatures');
  return verifySignatures(found, digest, matched.rule, trust, now());
}
