import type { Command } from 'commander';
import type { CompiledPolicy, Decision, ImageVerdict } from '../../core/types';
import { EXIT_FAILED, UsageError } from '../../errors';
import { loadPolicy } from '../../policy-source';
import { createTagResolver } from '../../registry/tag-resolver';
import { type TagResolverLike, evaluateReview } from '../../service/review-service';
import type { CliContext } from '../context';
import type { RegisterCommand } from '../register-command';
import { DEFAULT_RESOLVE_DEADLINE_MS } from '../registry-options';
import { type RegistrySource, openRegistry } from '../registry-provider';
import { withStore } from '../with-store';
import { positiveInt } from './positive-int';

interface ExplainOptions {
  readonly namespace: string;
  readonly annotation: readonly string[];
  readonly policy?: string;
  readonly json?: boolean;
  readonly resolveDeadlineMs: string;
}

/** `explain`; in `tags: resolve` mode tag-only images are resolved through `registry`, as `serve` would. */
export function createExplainCommand(registry: RegistrySource): RegisterCommand {
  return (program: Command, ctx: CliContext): void => registerExplain(program, ctx, registry);
}

function registerExplain(program: Command, ctx: CliContext, registry: RegistrySource): void {
  program
    .command('explain')
    .description('show the decision and every check for images, as the webhook would decide now (nothing is recorded)')
    .argument('<ref...>', 'image references, as a pod would name them')
    .option('--namespace <ns>', 'namespace of the pod', 'default')
    .option('--annotation <key=value>', 'pod annotation (repeatable)', collect, [])
    .option('--policy <file>', 'policy file (env IMAGE_REVIEWER_POLICY; default: built-in)')
    .option('--json', 'print the decision as JSON')
    .option('--resolve-deadline-ms <ms>', 'tags: resolve: how long to wait for the registry', String(DEFAULT_RESOLVE_DEADLINE_MS))
    .action(async (refs: string[], options: ExplainOptions) => {
      const request = {
        namespace: options.namespace,
        images: refs,
        annotations: parseAnnotations(options.annotation),
        user: null,
      };
      const policy = loadPolicy(ctx.policyPath(options.policy));
      const tagResolver = await tagResolverFor(policy, registry, positiveInt('--resolve-deadline-ms', options.resolveDeadlineMs));
      const { decision } = await withStore(ctx, 'read-only', (store) =>
        evaluateReview({ reader: store.snapshotReader(), policy: () => policy, clock: ctx.now, tagResolver }, request),
      );
      if (options.json) ctx.out(JSON.stringify(explainJson(decision)));
      else printDecision(ctx, decision, policy.source);
      if (!decision.allowed) ctx.setExitCode(EXIT_FAILED);
    });
}

/** The same resolver `serve` uses, under the same deadline; none (and no registry client) under require-digest. */
export async function tagResolverFor(policy: CompiledPolicy, registry: RegistrySource, deadlineMs: number): Promise<TagResolverLike | undefined> {
  if (policy.policy.tags !== 'resolve') return undefined;
  const lookup = await openRegistry(registry);
  return createTagResolver({ lookup, cacheSeconds: policy.policy.tagCacheSeconds, deadlineMs });
}

function collect(value: string, previous: readonly string[]): readonly string[] {
  return [...previous, value];
}

function parseAnnotations(pairs: readonly string[]): Readonly<Record<string, string>> {
  const annotations: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--annotation must be key=value, got "${pair}"`);
    annotations[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return annotations;
}

/** SPEC §7 `explain --json` shape; extra fields are allowed. */
function explainJson(decision: Decision) {
  return {
    allowed: decision.allowed,
    mode: decision.mode,
    namespace: decision.namespace,
    reason: decision.reason,
    breakGlass: decision.breakGlass.applied,
    breakGlassRequested: decision.breakGlass.requested,
    breakGlassRefusal: decision.breakGlass.refusal,
    ticket: decision.breakGlass.ticket,
    overridden: decision.overridden,
    policyHash: decision.policyHash,
    images: decision.images.map((v) => ({
      image: v.image,
      repository: v.repository,
      tag: v.tag,
      digest: v.digest,
      allowed: v.allowed,
      reasons: v.reasons.map((r) => ({ code: r.code, message: r.message })),
      checks: v.checks,
    })),
  };
}

function printDecision(ctx: CliContext, decision: Decision, policySource: string): void {
  ctx.out(`${decision.allowed ? 'ALLOWED' : 'DENIED'}: ${decision.reason}`);
  ctx.out(`namespace: ${decision.namespace || '(none)'}  mode: ${decision.mode}  policy: ${policySource} (${decision.policyHash.slice(0, 12)})`);
  if (decision.breakGlass.requested) {
    const state = decision.breakGlass.applied ? 'applied' : decision.breakGlass.refusal ? `refused: ${decision.breakGlass.refusal}` : 'not needed';
    ctx.out(`break-glass: ${state}${decision.breakGlass.ticket ? ` (ticket ${decision.breakGlass.ticket})` : ''}`);
  }
  for (const verdict of decision.images) printVerdict(ctx, verdict);
}

function printVerdict(ctx: CliContext, verdict: ImageVerdict): void {
  ctx.out('');
  ctx.out(`${verdict.allowed ? 'ok  ' : 'DENY'} ${verdict.image}`);
  if (verdict.repository !== null) {
    ctx.out(`     repository ${verdict.repository}  tag ${verdict.tag ?? '-'}  digest ${verdict.digest ?? '-'}`);
  }
  for (const check of verdict.checks) {
    ctx.out(`     ${check.outcome.toUpperCase().padEnd(4)} ${check.name}: ${check.message}`);
  }
}
