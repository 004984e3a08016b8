import { tallyFindings } from '../../core/rules/tally-findings';
import { loadPolicy } from '../../policy-source';
import { type PendingVerdict, pendingVerdicts } from '../../service/pending-approvals';
import type { CliContext } from '../context';
import { type ListView, formatTable, isoTime, outputFormat, printList } from '../output';
import { withStore } from '../with-store';

// `approvals pending [--repository GLOB] [--json|--csv]` (SPEC §7): the operator's inbox of pushed digests.

export interface PendingOptions {
  readonly repository?: string;
  readonly policy?: string;
  readonly json?: boolean;
  readonly csv?: boolean;
}

export async function listPending(ctx: CliContext, options: PendingOptions): Promise<void> {
  const format = outputFormat(options);
  const policy = loadPolicy(ctx.policyPath(options.policy));
  const now = ctx.now();
  const verdicts = await withStore(ctx, 'read-only', (store) =>
    pendingVerdicts({ events: store.events, reader: store.snapshotReader(), policy, now }, options.repository),
  );
  printList(ctx, format, verdicts, PENDING_VIEW);
}

/** `approvals pending` in each format (also the dashboard's downloads). */
export const PENDING_VIEW: ListView<PendingVerdict> = {
  table: (verdicts) =>
    verdicts.length === 0 ? 'no pending digests' : formatTable(['REPOSITORY', 'DIGEST', 'TAG', 'PUSHED', 'BY', 'SCAN', 'VERDICT'], verdicts.map(pendingRow)),
  json: (v) => pendingJson(v),
  csvHeaders: ['repository', 'digest', 'tag', 'pushedAt', 'pushedBy', 'source', 'scanner', 'scannedAt', 'verdict', 'reasons'],
  csvRow: (v) => {
    const json = pendingJson(v);
    return [json.repository, json.digest, json.tag, json.pushedAt, json.pushedBy, json.source, json.scan?.scanner, json.scan?.scannedAt, json.verdict,
      json.reasons.map((r) => r.code).join(' ')];
  },
};

/** One object per pending digest; `verdict` is what a review would say once it is approved. */
function pendingJson(v: PendingVerdict) {
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
