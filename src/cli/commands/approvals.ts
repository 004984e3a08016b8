import type { ApprovalSignature } from '../../core/types';
import type { Command } from 'commander';
import type { ApprovalRecord } from '../../store/approvals-repository';
import type { CliContext } from '../context';
import { formatTable, isoTime } from '../output';
import { withStore } from '../with-store';
import { registerApprovalsHistory } from './approvals-history';
import { factsKey } from '../../core/image-ref';
import { type PendingOptions, listPending } from './approvals-pending';
import { UsageError } from '../../errors';

// `approvals [--repository GLOB] [--all] [--json]`, `approvals history REF` and `approvals pending [--repository GLOB] [--json|--csv]` (SPEC §7).
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
    .option('--json', 'print a JSON array')
    .option('--csv', 'pending: CSV with a header line')
    .option('--policy <file>', 'pending: policy file the verdicts use (env IMAGE_REVIEWER_POLICY; default: built-in)')
    .action(async (view: string | undefined, options: ApprovalsOptions) => {
      if (view === 'pending') {
        if (options.all === true) throw new UsageError('approvals pending takes no --all');
        await listPending(ctx, options);
        return;
      }
      if (view !== undefined) throw new UsageError(`unknown approvals view ${JSON.stringify(view)} (expected pending)`);
      if (options.csv === true || options.policy !== undefined) throw new UsageError('--csv and --policy go with approvals pending');
      const filter = { repositoryGlob: options.repository, all: options.all === true, now: ctx.now() };
      const [list, deletions] = await withStore(ctx, 'read-only', async (store) => [await store.approvals.list(filter), await store.events.deletions()] as const);
      if (options.json === true) ctx.out(JSON.stringify(list.map((a) => approvalJson(a, deletions))));
      else ctx.out(approvalsTable(list, deletions));
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
