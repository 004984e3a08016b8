import type { Command } from 'commander';
import { requireRef } from '../../service/require-ref';
import { revocationDigest, revokeImage } from '../../service/revoke-image';
import type { CliContext } from '../context';
import type { RegisterCommand } from '../register-command';
import { type RegistrySource, openRegistry } from '../registry-provider';
import { withStore } from '../with-store';

// `revoke REF` (SPEC §7). A tag-only REF is resolved through the registry passed in (STYLE 6); a digest REF
// is revoked as given, without asking the registry (an image deleted from the registry can still be revoked).

interface RevokeOptions {
  readonly reason?: string;
  readonly by?: string;
}

/** `revoke`, resolving tag references with `registry`. */
export function createRevokeCommand(registry: RegistrySource): RegisterCommand {
  return (program: Command, ctx: CliContext): void => {
    program
      .command('revoke')
      .description('revoke the approval of a digest (pods using it are denied from now on)')
      .argument('<ref>', 'image reference: repo@sha256:…, repo:tag@sha256:… or repo:tag (resolved)')
      .option('--reason <text>', 'why it is revoked')
      .option('--by <name>', 'who revokes (env IMAGE_REVIEWER_ACTOR; default: OS user)')
      .action(async (text: string, options: RevokeOptions) => {
        const ref = requireRef(text);
        const digest = await revocationDigest(ref, () => openRegistry(registry));
        const { record, admittedIn } = await withStore(ctx, 'read-write', (store) =>
          revokeImage(store, {
            repository: ref.repository,
            digest,
            by: ctx.actor(options.by),
            reason: options.reason ?? null,
            now: ctx.now(),
          }),
        );
        ctx.out(`revoked ${record.repository}@${record.digest}`);
        warnAboutRunningPods(ctx, admittedIn);
      });
  };
}

/**
 * SPEC §2: the API server caches allowed answers for `allowTTL` keyed by the pod spec, and reviews pod
 * updates too, so a revocation is not immediate for specs already seen and blocks metadata updates of
 * running pods that use the digest.
 */
function warnAboutRunningPods(ctx: CliContext, namespaces: readonly string[]): void {
  ctx.err(
    'warning: the API server caches allowed answers for allowTTL (default 300 s): pod specs it has already admitted with this image are still allowed until their cached answer expires',
  );
  if (namespaces.length === 0) return;
  const names = namespaces.map((ns) => (ns === '' ? '(no namespace)' : ns)).join(', ');
  ctx.err(
    `warning: admitted in the last 24 h in namespaces ${names}: updates of their running pods using this digest (labels, finalizer removal) will be denied until the pods are replaced`,
  );
}
