import { tallyFindings } from '../../core/rules/tally-findings';
import { UsageError } from '../../errors';
import { loadPolicy } from '../../policy-source';
import { type PendingVerdict, pendingVerdicts } from '../../service/pending-approvals';
import type { CliContext } from '../context';
import { formatCsv, formatTable, isoTime } from '../output';
import { withStore } from '../with-store';

// `approvals pending [--repository GLOB] [--json|--csv]` (SPEC §7): the operator's inbox of pushed digests.

export interface PendingOptions {
  readonly repository?: string;
  readonly policy?: string;
  readonly json?: boolean;
  readonly csv?: boolean;
}

export async function listPending(ctx: CliContext, options: PendingOptions): Promise<void> {
  if (options.json === true && options.csv === true) throw new UsageError('--json and --csv cannot be combined');
  const policy = loadPolicy(ctx.policyPath(options.policy));
  const now = ctx.now();
  const verdicts = await withStore(ctx, 'read-only', (store) =>
    pendingVerdicts({ events: store.events, reader: store.snapshotReader(), policy, now }, options.repository),
  );
  if (options.json === true) ctx.out(JSON.stringify(verdicts.map(pendingJson)));
  else if (options.csv === true) ctx.out(pendingCsv(verdicts));
  else if (verdicts.length === 0) ctx.out('no pending digests');
  else ctx.out(formatTable(HEADERS, verdicts.map(pendingRow)));
}

const HEADERS = ['REPOSITORY', 'DIGEST', 'TAG', 'PUSHED', 'BY', 'SCAN', 'VERDICT'];

/** `approvals pending --csv` (also the dashboard's download). */
export function pendingCsv(verdicts: readonly PendingVerdict[]): string {
  return formatCsv(HEADERS, verdicts.map(pendingRow));
}

/** One object per pending digest; `verdict` is what a review would say once it is approved. */
export function pendingJson(v: PendingVerdict) {
  return {
    repository: v.pending.repository,
    digest: v.pending.digest,
    tag: v.pending.tag,
    pushedBy: v.pending.pushedBy,
    pushedAt: isoTime(v.pending.pushedAt),
    source: v.pending.source,
    scan:
      v.scan === null
        ? null
        : { scanner: v.scan.scanner, scannedAt: isoTime(v.scan.scannedAt), counts: tallyFindings(v.scan.findings, v.pending.repository, [], false).counts },
    verdict: v.wouldPass ? 'would-pass' : 'would-fail',
    reasons: v.reasons.map((r) => ({ code: r.code, message: r.message })),
  };
}

function pendingRow(v: PendingVerdict): readonly string[] {
  const json = pendingJson(v);
  const scan = json.scan === null ? 'none' : `${json.scan.scanner} ${json.scan.scannedAt ?? ''}`;
  const verdict = v.wouldPass ? 'would pass once approved' : `would fail: ${v.reasons.map((r) => r.message).join('; ')}`;
  return [json.repository, json.digest, json.tag ?? '-', json.pushedAt ?? '-', json.pushedBy ?? '-', scan, verdict];
}
