import type { Command } from 'commander';
import type { ApprovalRecord } from '../../store/approvals-repository';
import type { CliContext } from '../context';
import { formatTable, isoTime } from '../output';
import { withStore } from '../with-store';

// `approvals [--repository GLOB] [--all] [--json]` (SPEC §7).

interface ApprovalsOptions {
  readonly repository?: string;
  readonly all?: boolean;
  readonly json?: boolean;
}

export function registerApprovals(program: Command, ctx: CliContext): void {
  program
    .command('approvals')
    .description('list current approvals (--all includes revoked and expired ones)')
    .option('--repository <glob>', 'only repositories matching GLOB (docker.io/library/*)')
    .option('--all', 'include revoked and expired approvals')
    .option('--json', 'print a JSON array')
    .action(async (options: ApprovalsOptions) => {
      const filter = { repositoryGlob: options.repository, all: options.all === true, now: ctx.now() };
      const approvals = await withStore(ctx, 'read-only', (store) => store.approvals.list(filter));
      if (options.json === true) ctx.out(JSON.stringify(approvals.map(approvalJson)));
      else ctx.out(approvalsTable(approvals));
    });
}

/** SPEC §7 `approvals --json` shape; more fields may be added. */
export function approvalJson(a: ApprovalRecord) {
  return {
    repository: a.repository,
    digest: a.digest,
    tag: a.tag,
    approvedBy: a.approvedBy,
    approvedAt: isoTime(a.approvedAt),
    reason: a.reason,
    expiresAt: isoTime(a.expiresAt),
    revokedAt: isoTime(a.revokedAt),
    revokedBy: a.revokedBy,
    revokeReason: a.revokeReason,
    imageCreatedAt: isoTime(a.imageCreatedAt),
    status: a.status,
  };
}

function approvalsTable(approvals: readonly ApprovalRecord[]): string {
  return formatTable(
    ['REPOSITORY', 'DIGEST', 'TAG', 'STATUS', 'APPROVED', 'BY', 'EXPIRES', 'REASON'],
    approvals.map((a) => [
      a.repository,
      a.digest,
      a.tag ?? '-',
      a.status,
      isoTime(a.approvedAt),
      a.approvedBy,
      isoTime(a.expiresAt) ?? 'never',
      a.status === 'revoked' ? `revoked by ${a.revokedBy ?? '?'}: ${a.revokeReason ?? '-'}` : (a.reason ?? '-'),
    ]),
  );
}
