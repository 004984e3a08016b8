import { type DecideOptions, decide } from '../core/decide';
import { type ParsedRef, parseImageRef } from '../core/image-ref';
import { recordedImage } from '../core/recorded-image';
import { DEFAULT_REVIEW_LIMITS, reviewSizeProblem } from '../core/review-size';
import type { CompiledPolicy, Decision, Facts, ImageRef, ReviewLimits, ReviewRequest, TagResolution } from '../core/types';
import type { AuditWriter, DecisionImage, DecisionRecord } from '../store/audit-log';
import type { SnapshotReader } from '../store/snapshot-reader';
import { StoreError, errorMessage } from '../errors';
import { reviewSignatures } from '../signatures/review-signatures';
import type { SignatureChecker } from '../signatures/signature-checker';

/** The audit trail refused the decision: the answer must be a 500, never the decision (SPEC §2, §6). */
export class AuditWriteError extends StoreError {}

/** Resolves tag-only references in `tags: resolve` mode; never throws (a failure is a TagResolution). */
export interface TagResolverLike {
  /** `cacheSeconds` is the policy's `tagCacheSeconds`, passed per call so a reloaded policy applies at once. */
  resolve(refs: readonly ImageRef[], options?: { readonly cacheSeconds?: number }): Promise<ReadonlyMap<string, TagResolution>>;
}

export interface ReviewDeps {
  readonly reader: SnapshotReader;
  readonly policy: () => CompiledPolicy;
  readonly clock: () => number;
  /** Present when the policy may use `tags: resolve`; without it tag-only references stay unresolved. */
  readonly tagResolver?: TagResolverLike;
  /** How much of a review is judged (serve flags); DEFAULT_REVIEW_LIMITS when absent, as for `explain`. */
  readonly limits?: ReviewLimits;
  /** Verifies signatures for `approves: true` entries; without it they are never verified at review (SPEC §5). */
  readonly signatureChecker?: SignatureChecker;
  /** Parses the request's image strings: `parseImageRef`, or `serve`'s memo of it (reference-parser.ts). */
  readonly parseRef?: (image: string) => ParsedRef;
}

export interface RecordingDeps extends ReviewDeps {
  readonly audit: AuditWriter;
}

export interface Evaluation {
  readonly decision: Decision;
  readonly policy: CompiledPolicy;
  readonly now: number;
  /** What the decision was made from (approvals' expiry feeds `/validate`'s warnings). */
  readonly facts: Facts;
}

/**
 * Gathers the facts for a request, then decides (STYLE 2): store look-ups, and registry answers in resolve mode,
 * become a `Facts` value first; the decision itself is pure. Used by the webhook and by `explain` alike (STYLE 8);
 * the webhook asks for no descriptions of passed checks (DecideOptions), which only `explain` prints.
 */
export async function evaluateReview(deps: ReviewDeps, request: ReviewRequest, options: DecideOptions = {}): Promise<Evaluation> {
  const policy = deps.policy();
  const limits = deps.limits ?? DEFAULT_REVIEW_LIMITS;
  // A review past the limits is denied without looking anything up: its size must not become the server's work.
  const judged = reviewSizeProblem(request.images, limits) === null ? request.images : [];
  // Parsed once here, for the look-ups, and handed to decide (parsing was a fifth of a review's own work).
  const parse = deps.parseRef ?? parseImageRef;
  const references = new Map<string, ParsedRef>();
  const refs: ImageRef[] = [];
  for (const image of judged) {
    const parsed = references.get(image) ?? parse(image);
    references.set(image, parsed);
    if (parsed.ok) refs.push(parsed.ref);
  }
  const tagResolutions = await resolveTags(deps, policy, request.namespace, refs);
  const keys: { repository: string; digest: string }[] = [];
  const digested: { ref: ImageRef; digest: string }[] = [];
  for (const ref of refs) {
    const digest = ref.digest ?? resolvedDigest(tagResolutions.get(ref.original));
    if (digest === null) continue;
    keys.push({ repository: ref.repository, digest });
    digested.push({ ref, digest });
  }
  const stored = await deps.reader.facts(keys);
  const signatures = await reviewSignatures(deps.signatureChecker, policy, request.namespace, digested, stored.images, deps.clock());
  const facts: Facts = { images: stored.images, exceptions: stored.exceptions, grants: stored.grants, tagResolutions, signatures };
  // The clock is read after the facts are gathered so expiry is judged at the moment of the decision.
  const now = deps.clock();
  return { decision: decide(request, facts, policy, now, limits, { ...options, references }), policy, now, facts };
}

/** Decides and records: the decision id is returned only once the row is committed durably (SPEC §6). */
export async function reviewAndRecord(
  deps: RecordingDeps,
  request: ReviewRequest,
  startedAt: bigint,
): Promise<{ readonly evaluation: Evaluation; readonly decisionId: number }> {
  const evaluation = await evaluateReview(deps, request, { describe: false });
  const latencyUs = Number((process.hrtime.bigint() - startedAt) / 1000n);
  let decisionId: number;
  try {
    decisionId = await deps.audit.append(toRecord(evaluation, request, latencyUs));
  } catch (err) {
    throw new AuditWriteError(`the decision could not be recorded: ${errorMessage(err)}`);
  }
  return { evaluation, decisionId };
}

/**
 * Only tags that a decision can use are looked up: none for an exempt namespace (no checks run), and none on a
 * registry the policy does not allow (denied anyway). So a pod cannot make the webhook contact, or send
 * registry credentials to, a host of its choosing.
 */
async function resolveTags(
  deps: ReviewDeps,
  policy: CompiledPolicy,
  namespace: string,
  refs: readonly ImageRef[],
): Promise<ReadonlyMap<string, TagResolution>> {
  if (policy.policy.tags !== 'resolve' || deps.tagResolver === undefined) return new Map();
  if (policy.matchers.namespaceMode(namespace) === 'exempt') return new Map();
  const tagOnly = refs.filter((ref) => ref.digest === null && policy.matchers.registryAllowed(ref.registry));
  if (tagOnly.length === 0) return new Map();
  return deps.tagResolver.resolve(tagOnly, { cacheSeconds: policy.policy.tagCacheSeconds });
}

function resolvedDigest(resolution: TagResolution | undefined): string | null {
  return resolution?.status === 'resolved' ? resolution.digest : null;
}

function toRecord(evaluation: Evaluation, request: ReviewRequest, latencyUs: number): DecisionRecord {
  const { decision, policy, now } = evaluation;
  return {
    time: now,
    namespace: decision.namespace,
    allowed: decision.allowed,
    mode: decision.mode,
    breakGlass: decision.breakGlass.applied,
    ticket: decision.breakGlass.ticket,
    reason: decision.reason,
    overridden: decision.overridden,
    policyHash: policy.hash,
    policySource: policy.source,
    user: request.user,
    groups: request.groups ?? null,
    latencyUs,
    images: [
      ...decision.images.map((verdict) => ({
        image: recordedImage(verdict.image),
        repository: verdict.repository,
        digest: verdict.digest,
        allowed: verdict.allowed,
        reasons: verdict.reasons.map((reason) => reason.code),
        signature: verdict.signature,
      })),
      ...(request.unchanged ?? []).map(unchangedImage),
    ],
  };
}

/** An image an UPDATE did not change: recorded after the judged ones, as unchanged, with no verdict of its own. */
function unchangedImage(image: string): DecisionImage {
  const parsed = parseImageRef(image);
  return {
    image: recordedImage(image),
    repository: parsed.ok ? parsed.ref.repository : null,
    digest: parsed.ok ? parsed.ref.digest : null,
    allowed: true,
    reasons: [],
    unchanged: true,
  };
}

