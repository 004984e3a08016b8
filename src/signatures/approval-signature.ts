import type { ApprovalSignature, CompiledPolicy, ImageRef } from '../core/types';
import { InvalidInputError } from '../errors';
import type { SignatureLookup } from '../registry/types';
import { verifyImageSignatures } from './signature-checker';

export interface ApprovalSignatureOptions {
  /** `approve --allow-unsigned`: approve although the signatures do not verify, recorded as the operator's override. */
  readonly allowUnsigned: boolean;
  readonly by: string;
}

/**
 * What an approval records about the digest's signatures (SPEC §5 `signatures`, §7 `approve`): null when no entry
 * matches; the verified evidence; or, with `--allow-unsigned`, the operator's override. Without the override a digest
 * whose signatures do not verify is refused. `lookup` is null offline: nothing can be verified then, so only the
 * override is recorded.
 */
export async function approvalSignature(
  lookup: SignatureLookup | null,
  ref: ImageRef,
  digest: string,
  policy: CompiledPolicy,
  options: ApprovalSignatureOptions,
  now: () => number,
): Promise<ApprovalSignature | null> {
  if (policy.matchers.signatureRule(ref.repository) === null) return null;
  const override: ApprovalSignature = { kind: 'unsigned-allowed', by: options.by };
  if (lookup === null) return options.allowUnsigned ? override : null;
  const verification = await verifyImageSignatures(lookup, ref, digest, policy, now);
  if (verification.status === 'verified') return { kind: 'verified', evidence: verification.evidence };
  if (options.allowUnsigned) return override;
  throw new InvalidInputError(
    `cannot approve ${ref.repository}@${digest}: signature-missing: ${verification.error} (--allow-unsigned approves it anyway, recorded)`,
  );
}
