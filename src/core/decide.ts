import { breakGlassPermission, readBreakGlassRequest } from './break-glass';
import type { BreakGlassRequest } from './break-glass';
import { denialText, reasonText } from './reason-text';
import type { ReasonSummary } from './reason-text';
import { activeExceptions } from './rules/active-exceptions';
import { fail } from './rules/check-result';
import { exemptImage, judgeImage, withCheck } from './rules/judge-image';
import type { ParsedRef } from './image-ref';
import { DEFAULT_REVIEW_LIMITS, reviewSizeProblem } from './review-size';
import type {
  BreakGlassOutcome,
  CompiledPolicy,
  Decision,
  Facts,
  ImageVerdict,
  ReasonCode,
  ReviewLimits,
  ReviewRequest,
} from './types';

/** Emergency images still come from the private registries and must still parse (SPEC §4). */
const NEVER_OVERRIDDEN: readonly ReasonCode[] = ['invalid-reference', 'registry-not-allowed'];
type Base = Pick<Decision, 'mode' | 'namespace' | 'policyHash'>;

export interface DecideOptions {
  /**
   * Build the messages of passed and skipped checks (ImageVerdict.checks), as `explain` prints them; the default.
   * The review path says false: it reads only failed checks (the reason, the audit record), so those messages would
   * be formatted for every check of every image only to be dropped.
   */
  readonly describe?: boolean;
  /**
   * Image strings of the request already parsed by the caller (evaluateReview parses them to look their facts up),
   * so that they are not parsed twice; any image not in it is parsed here.
   */
  readonly references?: ReadonlyMap<string, ParsedRef>;
}

/** What enforce mode answers, before dry-run has its say. */
interface Enforced {
  readonly allowed: boolean;
  readonly images: readonly ImageVerdict[];
  readonly breakGlass: BreakGlassOutcome;
  readonly summary: ReasonSummary;
}

/**
 * The decision for one review (SPEC §4): pure, no clock, no I/O (STYLE 1). The namespace's mode is chosen first;
 * exempt runs no checks; otherwise every image is judged, break-glass is weighed as enforce would, and dry-run then
 * turns a would-be deny into an allow that records what it would have denied. A review past the limits is not judged
 * image by image: it is denied `too-many-images` (SPEC §2, §4).
 */
export function decide(
  request: ReviewRequest,
  facts: Facts,
  policy: CompiledPolicy,
  now: number,
  limits: ReviewLimits = DEFAULT_REVIEW_LIMITS,
  options: DecideOptions = {},
): Decision {
  const mode = policy.matchers.namespaceMode(request.namespace);
  const breakGlassRequest = readBreakGlassRequest(request.annotations);
  const base = { mode, namespace: request.namespace, policyHash: policy.hash };
  if (mode === 'exempt') {
    return {
      ...base,
      allowed: true,
      images: request.images.map(exemptImage),
      breakGlass: outcome(breakGlassRequest, false, null),
      reason: reasonText({ kind: 'exempt', namespace: request.namespace }),
      overridden: null,
    };
  }
  const tooBig = reviewSizeProblem(request.images, limits);
  if (tooBig !== null) return tooManyImages(request, base, breakGlassRequest, tooBig, limits);
  const exceptions = activeExceptions(facts.exceptions, now);
  const env = { facts, policy, now, exceptions, describe: options.describe ?? true, references: options.references };
  const judged = request.images.map((image) => judgeImage(image, env));
  const where = { namespace: request.namespace, policy, facts, now, unchanged: request.unchanged?.length ?? 0 };
  const enforced = enforce(judged, breakGlassRequest, where);
  const { images, breakGlass } = enforced;
  // Built whole rather than spread from `base`: one object per review on the webhook's path.
  const decided = (allowed: boolean, reason: string, overridden: string | null): Decision => ({
    allowed,
    mode,
    namespace: request.namespace,
    images,
    breakGlass,
    reason,
    overridden,
    policyHash: policy.hash,
  });
  if (breakGlass.applied) return decided(true, reasonText(enforced.summary), denialText(images, '', ''));
  if (!enforced.allowed && mode === 'dry-run') return decided(true, reasonText({ kind: 'dry-run', images }), denialText(images, '', ''));
  return decided(enforced.allowed, reasonText(enforced.summary), null);
}

/**
 * The deny for a review past the limits. Only the first `maxImages` images are recorded, unjudged, each with the
 * reason (so `audit --reason too-many-images` finds it): the record is no bigger than a review within the limits.
 * Break-glass never overrides it (nothing was checked); dry-run answers allowed, as for any would-be deny.
 */
function tooManyImages(
  request: ReviewRequest,
  base: Base,
  breakGlassRequest: BreakGlassRequest,
  problem: string,
  limits: ReviewLimits,
): Decision {
  const check = fail('review-size', 'too-many-images', problem);
  const images = request.images.slice(0, limits.maxImages).map((image) => withCheck(exemptImage(image), check));
  const refusal = breakGlassRequest.requested ? 'break-glass never overrides too-many-images' : null;
  const breakGlass = { ...breakGlassRequest, applied: false, refusal };
  const dryRun = base.mode === 'dry-run';
  const reason = reasonText({ kind: 'too-many-images', problem, note: refusal, dryRun });
  const overridden = dryRun ? reasonText({ kind: 'too-many-images', problem, note: null, dryRun: false }) : null;
  return { ...base, allowed: dryRun, images, breakGlass, reason, overridden };
}

interface Where {
  readonly namespace: string;
  readonly policy: CompiledPolicy;
  readonly facts: Facts;
  readonly now: number;
  /** Images an UPDATE left as they were (`/validate`): not judged, only named in the reason. */
  readonly unchanged: number;
}

/** Enforce mode: allowed when every image passes; otherwise break-glass, when asked for and permitted, may override. */
function enforce(images: readonly ImageVerdict[], request: BreakGlassRequest, where: Where): Enforced {
  const denied = images.filter((image) => !image.allowed);
  const notApplied = outcome(request, false, null);
  const allowed: ReasonSummary =
    images.length === 0 ? { kind: 'no-images', unchanged: where.unchanged } : { kind: 'approved', count: images.length };
  if (!request.requested) {
    const summary: ReasonSummary = denied.length === 0 ? allowed : { kind: 'denied', images, note: null };
    return { allowed: denied.length === 0, images, breakGlass: notApplied, summary };
  }
  const permission = breakGlassPermission(request, where.namespace, where.policy, where.facts.grants, where.now);
  if (!permission.permitted) {
    const breakGlass = outcome(request, false, permission.refusal);
    if (denied.length === 0) return { allowed: true, images, breakGlass, summary: allowed };
    const refusal = fail('break-glass', 'break-glass-refused', permission.refusal);
    const marked = images.map((image) => (image.allowed ? image : withCheck(image, refusal)));
    return { allowed: false, images: marked, breakGlass, summary: { kind: 'denied', images: marked, note: null } };
  }
  if (denied.length === 0) return { allowed: true, images, breakGlass: notApplied, summary: allowed };
  const blocking = NEVER_OVERRIDDEN.filter((code) => denied.some((image) => hasCode(image, code)));
  if (blocking.length > 0) {
    const note = `break-glass never overrides ${blocking.join(' or ')}`;
    const breakGlass = outcome(request, false, note);
    return { allowed: false, images, breakGlass, summary: { kind: 'denied', images, note } };
  }
  const breakGlass = outcome(request, true, null);
  return { allowed: true, images, breakGlass, summary: { kind: 'break-glass', images, ticket: request.ticket } };
}

function outcome(request: BreakGlassRequest, applied: boolean, refusal: string | null): BreakGlassOutcome {
  return { requested: request.requested, ticket: request.ticket, applied, refusal };
}

function hasCode(image: ImageVerdict, code: ReasonCode): boolean {
  return image.reasons.some((reason) => reason.code === code);
}
