import { factsKey } from '../core/image-ref';
import { needsSignatureCheck } from '../core/needs-signature-check';
import type { CompiledPolicy, ImageFacts, ImageRef, SignatureVerification } from '../core/types';
import type { SignatureChecker } from './signature-checker';

/**
 * The review-time signature verifications of a review (SPEC §4 `signature-missing`, §5 `approves: true`), keyed by
 * `repository@digest`. As with tag resolution, only digests a decision can use are looked up: none for an exempt
 * namespace, none on a registry the policy does not allow (so a pod cannot make the webhook contact a host of its
 * choosing), and none whose approval already carries evidence or is revoked or expired.
 */
export async function reviewSignatures(
  checker: SignatureChecker | undefined,
  policy: CompiledPolicy,
  namespace: string,
  images: readonly { readonly ref: ImageRef; readonly digest: string }[],
  stored: ReadonlyMap<string, ImageFacts>,
  now: number,
): Promise<ReadonlyMap<string, SignatureVerification>> {
  if (checker === undefined || policy.policy.signatures.length === 0) return new Map();
  if (policy.matchers.namespaceMode(namespace) === 'exempt') return new Map();
  const targets = images.filter(({ ref, digest }) => {
    const approval = stored.get(factsKey(ref.repository, digest))?.approval ?? null;
    return policy.matchers.registryAllowed(ref.registry) && needsSignatureCheck(ref.repository, approval, policy, now);
  });
  return targets.length === 0 ? new Map() : checker.check(targets, policy);
}
