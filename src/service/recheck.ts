import type { Reason, ReviewRequest } from '../core/types';
import { type ReviewDeps, evaluateReview } from './review-service';

// `recheck` (SPEC §7): what is running, or was admitted, judged again under today's store and policy by the same
// evaluateReview as the webhook, without recording anything. This is how an operator sees what a revocation or a
// new CVE ceiling affects before the pods restart.

export interface RecheckTarget {
  /** `Pod`, `Deployment`, … or `admitted` (from the audit trail). */
  readonly kind: string;
  readonly namespace: string;
  /** The object's name, or `decision N` for an image taken from the audit trail. */
  readonly name: string;
  readonly request: ReviewRequest;
}

export interface RecheckFinding {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly image: string;
  readonly repository: string | null;
  readonly digest: string | null;
  readonly reasons: readonly Reason[];
}

export interface RecheckResult {
  readonly checked: number;
  /** One entry per image that would now be denied, in target order. */
  readonly denied: readonly RecheckFinding[];
}

export async function recheck(deps: ReviewDeps, targets: readonly RecheckTarget[]): Promise<RecheckResult> {
  const denied: RecheckFinding[] = [];
  for (const target of targets) {
    // One at a time: the facts are read from the snapshot, and a resolve-mode policy asks the registry per review.
    // Only the reasons are reported.
    const { decision } = await evaluateReview(deps, target.request, { describe: false });
    if (decision.allowed) continue;
    for (const verdict of decision.images) {
      if (verdict.allowed) continue;
      const { kind, namespace, name } = target;
      denied.push({ kind, namespace, name, image: verdict.image, repository: verdict.repository, digest: verdict.digest, reasons: verdict.reasons });
    }
  }
  return { checked: targets.length, denied };
}
