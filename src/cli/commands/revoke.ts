import type { Command } from 'commander';
import type { ImageRef } from '../../core/types';
import { requireRef } from '../../service/require-ref';
import { currentTagDigest, revokeImage, revokeTag } from '../../service/revoke-image';
import type { CliContext } from '../context';
import type { RegisterCommand } from '../register-command';
import { type RegistrySource, openRegistry } from '../registry-provider';
import { withStore } from '../with-store';

// `revoke REF` (SPEC §7). A digest REF is revoked as given, without asking the registry (an image deleted from the
// registry can still be revoked). A tag-only REF revokes every digest approved under that tag and the digest the tag
// points to now, asked of the registry passed in (STYLE 6); when the registry does not answer, the recorded ones.

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
      .argument('<ref>', 'image reference: repo@sha256:…, repo:tag@sha256:… or repo:tag (every digest approved under the tag, and its current one)')
      .option('--reason <text>', 'why it is revoked')
      .option('--by <name>', 'who revokes (env IMAGE_REVIEWER_ACTOR; default: OS user)')
      .action(async (text: string, options: RevokeOptions) => {
        const ref = requireRef(text);
        const input = { by: ctx.actor(options.by), reason: options.reason ?? null };
        if (ref.digest !== null) await revokeDigest(ctx, ref.repository, ref.digest, input);
        else await revokeByTag(ctx, ref, registry, input);
      });
  };
}

async function revokeDigest(ctx: CliContext, repository: string, digest: string, input: { by: string; reason: string | null }): Promise<void> {
  const { record, admittedIn } = await withStore(ctx, 'read-write', (store) => revokeImage(store, { repository, digest, ...input, now: ctx.now() }));
  ctx.out(`revoked ${record.repository}@${record.digest}`);
  warnAboutRunningPods(ctx, admittedIn);
}

/** SPEC §7: every digest approved under the tag, and the one it points to now when the registry answers, each printed. */
async function revokeByTag(ctx: CliContext, ref: ImageRef, registry: RegistrySource, input: { by: string; reason: string | null }): Promise<void> {
  const tag = ref.tag ?? 'latest';
  // The registry is asked before the store is opened, so a slow registry holds no connection.
  const lookup = await currentTagDigest(ref, () => openRegistry(registry));
  if ('error' in lookup) ctx.err(`warning: the registry did not say where ${ref.original} points now (${lookup.error}): revoking the digests approved under the tag only`);
  const current = 'digest' in lookup ? lookup.digest : null;
  const { revocations, admittedIn } = await withStore(ctx, 'read-write', (store) =>
    revokeTag(store, { repository: ref.repository, tag, current, ...input, now: ctx.now() }),
  );
  for (const r of revocations) {
    const why = [r.recorded ? `approved as ${tag}` : null, r.current ? "the tag's current digest" : null].filter((w) => w !== null).join('; ');
    if (r.record !== null) ctx.out(`revoked ${ref.repository}@${r.digest} (${why})`);
    else if (r.current && !r.recorded) ctx.err(`note: ${ref.repository}@${r.digest} (the tag's current digest) has no unrevoked approval: nothing to revoke`);
  }
  warnAboutRunningPods(ctx, admittedIn);
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
