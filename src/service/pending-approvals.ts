import { factsKey } from '../core/image-ref';
import { activeExceptions } from '../core/rules/active-exceptions';
import { judgeImage } from '../core/rules/judge-image';
import type { CompiledPolicy, Reason, ScanResult } from '../core/types';
import type { PendingDigest, RegistryEventsRepository } from '../store/registry-events-repository';
import type { SnapshotReader } from '../store/snapshot-reader';

// `approvals pending` (SPEC §7): the digests pushed and not approved, each judged by the same rules the webhook runs
// (judgeImage, as `explain` and reviews do) on what the store knows now. The missing approval is what the operator is
// asked to decide, so `not-approved` is left out: the verdict says whether the digest would pass once approved.

export interface PendingVerdict {
  readonly pending: PendingDigest;
  readonly wouldPass: boolean;
  /** Every other failing check, with its message (scan-missing, scan-stale, vulnerabilities, signature-missing, …). */
  readonly reasons: readonly Reason[];
  /** The newest scan of the digest, null when there is none. */
  readonly scan: ScanResult | null;
}

export interface PendingDeps {
  readonly events: RegistryEventsRepository;
  readonly reader: SnapshotReader;
  readonly policy: CompiledPolicy;
  readonly now: number;
}

export async function pendingVerdicts(deps: PendingDeps, repositoryGlob: string | undefined): Promise<readonly PendingVerdict[]> {
  const pending = await deps.events.pending({ repositoryGlob });
  const facts = await deps.reader.facts(pending.map(({ repository, digest }) => ({ repository, digest })));
  // No registry is asked here: signatures count as recorded (none, for an unapproved digest) and tags are digests.
  const env = {
    facts: { ...facts, tagResolutions: new Map(), signatures: new Map() },
    exceptions: activeExceptions(facts.exceptions, deps.now),
    policy: deps.policy,
    now: deps.now,
    // Only the reasons are read.
    describe: false,
  };
  return pending.map((digest) => {
    const verdict = judgeImage(`${digest.repository}@${digest.digest}`, env);
    const reasons = verdict.reasons.filter((reason) => reason.code !== 'not-approved');
    const scan = facts.images.get(factsKey(digest.repository, digest.digest))?.scan ?? null;
    return { pending: digest, wouldPass: reasons.length === 0, reasons, scan };
  });
}
