import type { ApprovalSignature } from '../../core/types';
import type { Command } from 'commander';
import type { ApprovalRecord } from '../../store/approvals-repository';
import type { CliContext } from '../context';
import { formatTable, isoTime } from '../output';
import { withStore } from '../with-store';
import { registerApprovalsHistory } from './approvals-history';

// `approvals [--repository GLOB] [--all] [--json]` and `approvals history REF` (SPEC §7).

interface ApprovalsOptions {
  readonly repository?: string;
  readonly all?: boolean;
  readonly json?: boolean;
}

export function registerApprovals(program: Command, ctx: CliContext): void {
  const approvals = program
    .command('approvals')
    .description('list current approvals (--all: every approval ever made, revoked, expired and superseded ones too)')
    .option('--repository <glob>', 'only repositories matching GLOB (docker.io/library/*)')
    .option('--all', 'every approval ever made: revoked, expired and superseded (approved again since) ones too')
    .option('--json', 'print a JSON array')
    .action(async (options: ApprovalsOptions) => {
      const filter = { repositoryGlob: options.repository, all: options.all === true, now: ctx.now() };
      const listed = await withStore(ctx, 'read-only', (store) => store.approvals.list(filter));
      if (options.json === true) ctx.out(JSON.stringify(listed.map(approvalJson)));
      else ctx.out(approvalsTable(listed));
    });
  registerApprovalsHistory(approvals, ctx);
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
    signature: signatureJson(a.signature),
  };
}

/** The signature record (SPEC §5 `signatures`): who signed and which artifacts, or the operator's override; null when none. */
function signatureJson(signature: ApprovalSignature | null) {
  if (signature === null) return null;
  if (signature.kind === 'unsigned-allowed') return { kind: signature.kind, by: signature.by };
  const { signers, artifacts, verifiedAt } = signature.evidence;
  return { kind: signature.kind, signers, artifacts, verifiedAt: isoTime(verifiedAt) };
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
