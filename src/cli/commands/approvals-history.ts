import type { Command } from 'commander';
import { type ApprovalEvent, approvalHistory } from '../../service/approval-history';
import { requireRef } from '../../service/require-ref';
import type { CliContext } from '../context';
import { formatCsv, formatTable, isoTime, outputFormat } from '../output';
import { withStore } from '../with-store';

// `approvals history REF [--json|--csv]` (SPEC §7): every approve and revoke of a digest, oldest first (issue 10 item 5).

interface HistoryOptions {
  readonly json?: boolean;
  readonly csv?: boolean;
}

const HEADERS = ['TIME', 'ACTION', 'BY', 'REPOSITORY', 'DIGEST', 'TAG', 'EXPIRES', 'REASON'];

export function registerApprovalsHistory(approvals: Command, ctx: CliContext): void {
  approvals
    .command('history')
    .description('every approve and revoke of a digest (repo@sha256:…), or of every digest approved under a tag (repo:tag), oldest first')
    .argument('<ref>', 'repo@sha256:… or repo:tag (the digests recorded under the tag)')
    .option('--json', 'print a JSON array')
    .option('--csv', 'CSV with a header line')
    .action(async (text: string, local: HistoryOptions) => {
      const ref = requireRef(text);
      // Commander gives a flag `approvals` also has (--json) to `approvals` (see `audit stats`), so read both.
      const parent = approvals.opts<HistoryOptions>();
      const format = outputFormat({ json: local.json === true || parent.json === true, csv: local.csv === true || parent.csv === true });
      const events = await withStore(ctx, 'read-only', (store) => approvalHistory(store, ref, ctx.now()));
      if (format === 'json') ctx.out(JSON.stringify(events.map(eventJson)));
      else if (format === 'csv') ctx.out(formatCsv(HEADERS.map((h) => h.toLowerCase()), events.map(eventRow)));
      else ctx.out(formatTable(HEADERS, events.map((e) => eventRow(e).map((c) => c ?? '-'))));
    });
}

function eventJson(e: ApprovalEvent) {
  return {
    approvalId: e.approvalId,
    time: isoTime(e.time),
    action: e.action,
    by: e.by,
    repository: e.repository,
    digest: e.digest,
    tag: e.tag,
    expiresAt: isoTime(e.expiresAt),
    reason: e.reason,
  };
}

function eventRow(e: ApprovalEvent): (string | null)[] {
  const expires = e.action === 'revoke' ? null : (isoTime(e.expiresAt) ?? 'never');
  return [isoTime(e.time), e.action, e.by, e.repository, e.digest, e.tag, expires, e.reason];
}
