import type { ApprovalSignature } from '../../core/types';
import type { Command } from 'commander';
import type { ApprovalRecord } from '../../store/approvals-repository';
import type { CliContext } from '../context';
import { type ListView, addFormatOptions, formatTable, isoTime, outputFormat, printList } from '../output';
import { withStore } from '../with-store';
import { registerApprovalsHistory } from './approvals-history';
import { factsKey } from '../../core/image-ref';
import { type PendingOptions, listPending } from './approvals-pending';
import { UsageError } from '../../errors';

// `approvals [--repository GLOB] [--all] [--json|--csv]`, `approvals history REF [--json|--csv]` and `approvals pending [--repository GLOB] [--json|--csv]` (SPEC §7).
// `pending` is a view argument, not a commander subcommand: the parent would take the options that follow it
// (`approvals pending --json`) for its own, since the program's options are read wherever they stand.

interface ApprovalsOptions extends PendingOptions {
  readonly all?: boolean;
}

export function registerApprovals(program: Command, ctx: CliContext): void {
  const approvals = program
    .command('approvals')
    .description('list current approvals (--all: every approval ever made, revoked, expired and superseded ones too); `approvals pending`: pushed digests awaiting approval; `approvals history REF`')
    .argument('[view]', 'pending: digests pushed (registry events) but not approved, with their scan verdict under the current policy')
    .option('--repository <glob>', 'only repositories matching GLOB (docker.io/library/*)')
    .option('--all', 'every approval ever made: revoked, expired and superseded (approved again since) ones too')
    .option('--policy <file>', 'pending: policy file the verdicts use (env IMAGE_REVIEWER_POLICY; default: built-in)');
  addFormatOptions(approvals).action(async (view: string | undefined, options: ApprovalsOptions) => {
    const format = outputFormat(options);
    if (view === 'pending') {
      if (options.all === true) throw new UsageError('approvals pending takes no --all');
      await listPending(ctx, options);
      return;
    }
    if (view !== undefined) throw new UsageError(`unknown approvals view ${JSON.stringify(view)} (expected pending)`);
    if (options.policy !== undefined) throw new UsageError('--policy goes with approvals pending');
    const filter = { repositoryGlob: options.repository, all: options.all === true, now: ctx.now() };
    const [list, deletions] = await withStore(ctx, 'read-only', async (store) => [await store.approvals.list(filter), await store.events.deletions()] as const);
    printList(ctx, format, list, approvalsView(deletions));
  });
  registerApprovalsHistory(approvals, ctx);
}

/** SPEC §7 `approvals --json` shape; more fields may be added. */
export function approvalJson(a: ApprovalRecord, deletions: ReadonlyMap<string, number>) {
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
    // The registry deleted the digest (Harbor DELETE_ARTIFACT) after its last push: nothing can pull it any more.
    deletedFromRegistryAt: isoTime(deletions.get(factsKey(a.repository, a.digest))),
  };
}

/** The signature record (SPEC §5 `signatures`): who signed and which artifacts, or the operator's override; null when none. */
function signatureJson(signature: ApprovalSignature | null) {
  if (signature === null) return null;
  if (signature.kind === 'unsigned-allowed') return { kind: signature.kind, by: signature.by };
  const { signers, artifacts, verifiedAt } = signature.evidence;
  return { kind: signature.kind, signers, artifacts, verifiedAt: isoTime(verifiedAt) };
}

/** `deletions`: when the registry deleted a digest (Harbor DELETE_ARTIFACT), by factsKey. */
export function approvalsView(deletions: ReadonlyMap<string, number>): ListView<ApprovalRecord> {
  return {
    table: (list) => approvalsTable(list, deletions),
    json: (a) => approvalJson(a, deletions),
    csvHeaders: ['repository', 'digest', 'tag', 'status', 'approvedBy', 'approvedAt', 'reason', 'expiresAt', 'revokedAt',
      'revokedBy', 'revokeReason', 'imageCreatedAt', 'signature', 'deletedFromRegistryAt'],
    csvRow: (a) => [a.repository, a.digest, a.tag, a.status, a.approvedBy, isoTime(a.approvedAt), a.reason,
      isoTime(a.expiresAt), isoTime(a.revokedAt), a.revokedBy, a.revokeReason, isoTime(a.imageCreatedAt), a.signature?.kind,
      isoTime(deletions.get(factsKey(a.repository, a.digest)))],
  };
}

function approvalsTable(approvals: readonly ApprovalRecord[], deletions: ReadonlyMap<string, number>): string {
  return formatTable(
    ['REPOSITORY', 'DIGEST', 'TAG', 'STATUS', 'APPROVED', 'BY', 'EXPIRES', 'REASON'],
    approvals.map((a) => [
      a.repository,
      a.digest,
      a.tag ?? '-',
      deletions.has(factsKey(a.repository, a.digest)) ? `${a.status} (deleted in registry)` : a.status,
      isoTime(a.approvedAt),
      a.approvedBy,
      isoTime(a.expiresAt) ?? 'never',
      a.status === 'revoked' ? `revoked by ${a.revokedBy ?? '?'}: ${a.revokeReason ?? '-'}` : (a.reason ?? '-'),
    ]),
  );
}
