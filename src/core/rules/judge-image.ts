import { type ParsedRef, factsKey, parseImageRef } from '../image-ref';
import type { Check, CompiledPolicy, Facts, ImageFacts, ImageRef, ImageVerdict, Reason, RecordedSignature, TagResolution } from '../types';
import { checkReference } from './check-reference';
import type { ActiveException } from './image-context';
import { IMAGE_RULES } from './image-rules';
import { recordedSignature } from './recorded-signature';

export interface JudgeEnvironment {
  readonly facts: Facts;
  readonly exceptions: readonly ActiveException[];
  readonly policy: CompiledPolicy;
  readonly now: number;
  /** Build the messages of passed and skipped checks (ImageContext.describe). */
  readonly describe: boolean;
  /** Images already parsed (DecideOptions.references); others are parsed here. */
  readonly references?: ReadonlyMap<string, ParsedRef>;
}

const NO_FACTS: ImageFacts = { approval: null, scan: null };

/** Runs every check on one image string from the request and turns the failures into reasons. */
export function judgeImage(image: string, env: JudgeEnvironment): ImageVerdict {
  const parsed = env.references?.get(image) ?? parseImageRef(image);
  const referenceCheck = checkReference(parsed, env);
  if (!parsed.ok) return verdict(image, null, null, [referenceCheck], null);
  const { ref } = parsed;
  const resolution = tagResolution(ref, env);
  const digest = ref.digest ?? (resolution?.status === 'resolved' ? resolution.digest : null);
  const key = digest === null ? null : factsKey(ref.repository, digest);
  const facts = key === null ? NO_FACTS : (env.facts.images.get(key) ?? NO_FACTS);
  const signature = key === null ? null : (env.facts.signatures.get(key) ?? null);
  const { exceptions, policy, now, describe } = env;
  const context = { ref, resolution, digest, facts, signature, exceptions, policy, now, describe };
  return verdict(image, ref, digest, [referenceCheck, ...IMAGE_RULES.map((rule) => rule(context))], recordedSignature(context));
}

/** Exempt namespaces run no checks, but the reference is still parsed so the audit row names repository and digest. */
export function exemptImage(image: string): ImageVerdict {
  const parsed = parseImageRef(image);
  const ref = parsed.ok ? parsed.ref : null;
  return {
    image,
    repository: ref?.repository ?? null,
    tag: ref?.tag ?? null,
    digest: ref?.digest ?? null,
    allowed: true,
    reasons: [],
    checks: [],
    signature: null,
  };
}

/** Adds a check (and its reason, when it failed) after the image checks: used for `break-glass-refused`. */
export function withCheck(judged: ImageVerdict, check: Check): ImageVerdict {
  const checks = [...judged.checks, check];
  return { ...judged, allowed: judged.allowed && check.outcome !== 'fail', reasons: reasonsOf(checks), checks };
}

function tagResolution(ref: ImageRef, env: JudgeEnvironment): TagResolution | null {
  if (ref.digest !== null || env.policy.policy.tags !== 'resolve') return null;
  return env.facts.tagResolutions.get(ref.original) ?? null;
}

function verdict(
  image: string,
  ref: ImageRef | null,
  digest: string | null,
  checks: readonly Check[],
  signature: RecordedSignature | null,
): ImageVerdict {
  const reasons = reasonsOf(checks);
  return {
    image,
    repository: ref?.repository ?? null,
    tag: ref?.tag ?? null,
    digest,
    allowed: reasons.length === 0,
    reasons,
    checks,
    signature,
  };
}

function reasonsOf(checks: readonly Check[]): readonly Reason[] {
  // A loop rather than flatMap, which built an array for every check of every image of every review.
  const reasons: Reason[] = [];
  for (const check of checks) if (check.outcome === 'fail') reasons.push({ code: check.code, message: check.message });
  return reasons;
}
