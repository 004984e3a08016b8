import type { ApprovalSignature } from '../../core/types';
import type { Command } from 'commander';
import type { ApprovalRecord } from '../../store/approvals-repository';
import type { CliContext } from '../context';
import { type FormatFlags, type ListView, addFormatOptions, formatTable, isoTime, outputFormat, printList } from '../output';
import { withStore } from '../with-store';

// `approvals [--repository GLOB] [--all] [--json|--csv]` (SPEC §7).

interface ApprovalsOptions extends FormatFlags {
  readonly repository?: string;
  readonly all?: boolean;
}

export function registerApprovals(program: Command, ctx: CliContext): void {
  const approvals = program
    .command('approvals')
    .description('list current approvals (--all includes revoked and expired ones)')
    .option('--repository <glob>', 'only repositories matching GLOB (docker.io/library/*)')
    .option('--all', 'include revoked and expired approvals');
  addFormatOptions(approvals).action(async (options: ApprovalsOptions) => {
    const format = outputFormat(options);
    const filter = { repositoryGlob: options.repository, all: options.all === true, now: ctx.now() };
    const records = await withStore(ctx, 'read-only', (store) => store.approvals.list(filter));
    printList(ctx, format, records, APPROVALS_VIEW);
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

const APPROVALS_VIEW: ListView<ApprovalRecord> = {
  table: approvalsTable,
  json: approvalJson,
  csvHeaders: ['repository', 'digest', 'tag', 'status', 'approvedBy', 'approvedAt', 'reason', 'expiresAt', 'revokedAt',
    'revokedBy', 'revokeReason', 'imageCreatedAt', 'signature'],
  csvRow: (a) => [a.repository, a.digest, a.tag, a.status, a.approvedBy, isoTime(a.approvedAt), a.reason,
    isoTime(a.expiresAt), isoTime(a.revokedAt), a.revokedBy, a.revokeReason, isoTime(a.imageCreatedAt), a.signature?.kind],
};

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
