import type { Check } from '../types';
import { NO_DIGEST } from './check-approval';
import { described, fail, pass, skip } from './check-result';
import type { ImageContext } from './image-context';
import { recordedSignature } from './recorded-signature';
import { signedBy } from './signed-by';

/**
 * `signature-missing` (SPEC §4, §5 `signatures`): a digest in a repository with a `signatures` entry needs valid
 * signature evidence: recorded at approval, or (for `approves: true`) verified by the reviewer itself. An operator's
 * recorded `approve --allow-unsigned` satisfies the entry and says so. The evidence weighed is the one the audit row
 * records (recorded-signature.ts); a review-time verification names the signature artifacts it verified.
 */
export function checkSignature(context: ImageContext): Check {
  const { ref, digest, policy } = context;
  const matched = policy.matchers.signatureRule(ref.repository);
  if (matched === null) return skip('signature', described(context, () => `no signatures entry for ${ref.repository}`));
  if (digest === null) return skip('signature', NO_DIGEST);
  const evidence = recordedSignature(context);
  if (evidence?.kind === 'verified') {
    const how = evidence.source === 'approval' ? 'verified at approval' : `verified at review: ${evidence.artifacts.join(', ')}`;
    return pass('signature', described(context, () => `${signedBy(evidence)} (${how})`));
  }
  if (evidence?.kind === 'unsigned-allowed') return pass('signature', described(context, () => `unsigned, allowed by ${evidence.by}`));
  if (evidence?.kind === 'failed') return fail('signature', 'signature-missing', evidence.error);
  const where = matched.rule.approves ? 'no signature evidence' : 'no signature evidence recorded at approval';
  return fail('signature', 'signature-missing', `${where} for ${ref.repository}@${digest}`);
}
