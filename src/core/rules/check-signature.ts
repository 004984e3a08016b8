import type { Check } from '../types';
import { NO_DIGEST } from './check-approval';
import { described, fail, pass, skip } from './check-result';
import type { ImageContext } from './image-context';
import { signedBy } from './signed-by';

/**
 * `signature-missing` (SPEC §4, §5 `signatures`): a digest in a repository with a `signatures` entry needs valid
 * signature evidence: recorded at approval, or (for `approves: true`) verified by the reviewer itself. An operator's
 * recorded `approve --allow-unsigned` satisfies the entry and says so.
 */
export function checkSignature(context: ImageContext): Check {
  const { ref, digest, facts, signature, policy } = context;
  const matched = policy.matchers.signatureRule(ref.repository);
  if (matched === null) return skip('signature', described(context, () => `no signatures entry for ${ref.repository}`));
  if (digest === null) return skip('signature', NO_DIGEST);
  const recorded = facts.approval?.signature ?? null;
  if (recorded?.kind === 'verified') return pass('signature', described(context, () => `${signedBy(recorded.evidence)} (verified at approval)`));
  if (recorded?.kind === 'unsigned-allowed') return pass('signature', described(context, () => `unsigned, allowed by ${recorded.by}`));
  if (signature?.status === 'verified') return pass('signature', described(context, () => `${signedBy(signature.evidence)} (verified at review)`));
  if (signature?.status === 'failed') return fail('signature', 'signature-missing', signature.error);
  const where = matched.rule.approves ? 'no signature evidence' : 'no signature evidence recorded at approval';
  return fail('signature', 'signature-missing', `${where} for ${ref.repository}@${digest}`);
}
