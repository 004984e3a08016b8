import type { Command } from 'commander';
import { parseExpiry } from '../../core/time-spec';
import type { ImageRef } from '../../core/types';
import { UsageError } from '../../errors';
import { loadPolicy } from '../../policy-source';
import { type ApproveSettings, approveImage, offlineSignatureWarning, resolveApprovalTarget } from '../../service/approve-image';
import { requireRef } from '../../service/require-ref';
import type { CliContext } from '../context';
import type { RegisterCommand } from '../register-command';
import { type RegistrySource, openRegistry } from '../registry-provider';
import { refuseSharedStdin } from '../read-input-file';
import { withStore } from '../with-store';
import { describeApproval } from './describe-approval';
import { DEFAULT_APPROVE_CONCURRENCY, approveList } from './approve-list';
import { positiveInt } from './positive-int';

// `approve REF` and `approve --file LIST` (SPEC §7). The registry is passed in (STYLE 6): a tag-only REF is
// resolved through it and a digest REF checked to exist, unless `--offline`.

interface ApproveOptions {
  readonly file?: string;
  readonly reason?: string;
  readonly by?: string;
  readonly expires?: string;
  readonly offline?: boolean;
  readonly allowUnsigned?: boolean;
  readonly policy?: string;
  readonly concurrency: string;
}

/** `approve`, asking `registry` about each reference unless `--offline`. */
export function createApproveCommand(registry: RegistrySource): RegisterCommand {
  return (program: Command, ctx: CliContext): void => {
    program
      .command('approve')
      .description('approve a digest for a repository (a tag is resolved through the registry)')
      .argument('[ref]', 'image reference: repo@sha256:…, repo:tag@sha256:… or repo:tag')
      .option('--file <list>', 'approve every reference in LIST (one per line, # comments); - reads stdin')
      .option('--reason <text>', 'why it is approved')
      .option('--by <name>', 'who approves (env IMAGE_REVIEWER_ACTOR; default: OS user)')
      .option('--expires <when>', 'expiry: ISO-8601 date/date-time or duration from now (90d)')
      .option('--offline', 'do not ask the registry (needs a digest reference)')
      .option('--allow-unsigned', 'approve although a signatures entry matches and its signatures do not verify (recorded)')
      .option('--policy <file>', 'policy whose signatures entries apply (env IMAGE_REVIEWER_POLICY; default: built-in)')
      .option('--concurrency <n>', 'with --file: registry look-ups at once', String(DEFAULT_APPROVE_CONCURRENCY))
      .action(async (ref: string | undefined, options: ApproveOptions) => {
        if ((ref === undefined) === (options.file === undefined)) {
          throw new UsageError('approve needs exactly one of REF or --file LIST');
        }
        refuseSharedStdin(program, '--file', options.file);
        const parsed = ref === undefined ? null : requireRef(ref);
        const concurrency = positiveInt('--concurrency', options.concurrency);
        const settings = await approveSettings(ctx, options, registry);
        if (parsed !== null) await approveOne(ctx, parsed, settings);
        else if (options.file !== undefined) await approveList(ctx, options.file, settings, concurrency);
      });
  };
}

async function approveOne(ctx: CliContext, ref: ImageRef, settings: ApproveSettings): Promise<void> {
  // The registry is asked before the store is opened, so a slow registry holds no connection.
  const target = await resolveApprovalTarget(ref, settings, ctx.now);
  const approval = await withStore(ctx, 'read-write', (store) => approveImage(store.approvals, target, settings, ctx.now()));
  ctx.out(describeApproval(approval, target.resolved));
  const warning = offlineSignatureWarning(target, settings);
  if (warning !== null) ctx.err(warning);
}

async function approveSettings(ctx: CliContext, options: ApproveOptions, registry: RegistrySource): Promise<ApproveSettings> {
  let expiresAt: number | null = null;
  if (options.expires !== undefined) {
    const parsed = parseExpiry(options.expires, ctx.now());
    if (!parsed.ok) throw new UsageError(`--expires: ${parsed.error}`);
    expiresAt = parsed.value;
  }
  return {
    by: ctx.actor(options.by),
    reason: options.reason ?? null,
    expiresAt,
    // With --offline no client is created at all (no flags validated, no stdin read).
    registry: options.offline === true ? null : await openRegistry(registry),
    policy: loadPolicy(ctx.policyPath(options.policy)),
    allowUnsigned: options.allowUnsigned === true,
  };
}
