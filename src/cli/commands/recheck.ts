import type { Command } from 'commander';
import { listedObjects } from '../../core/admission/listed-objects';
import { parsePastTime } from '../../core/time-spec';
import { EXIT_FAILED, InvalidInputError, UsageError, errorMessage } from '../../errors';
import { loadPolicy } from '../../policy-source';
import { type RecheckFinding, type RecheckTarget, recheck } from '../../service/recheck';
import type { CliContext } from '../context';
import type { RegisterCommand } from '../register-command';
import { type FormatFlags, type ListView, addFormatOptions, formatTable, outputFormat, printList } from '../output';
import { DEFAULT_RESOLVE_DEADLINE_MS } from '../registry-options';
import type { RegistrySource } from '../registry-provider';
import { inputName, readInputFile, refuseSharedStdin } from '../read-input-file';
import { withStore } from '../with-store';
import { registryLookupsFor } from './explain';
import { positiveInt } from './positive-int';

// `recheck [--pods FILE|-] [--since T] [--json]` (SPEC §7): re-judges, without recording, the images of running
// pods (or workloads) and those the audit trail says were admitted since T; exit 1 when any would now be denied.

interface RecheckOptions extends FormatFlags {
  readonly pods?: string;
  readonly since?: string;
  readonly policy?: string;
  readonly resolveDeadlineMs: string;
}

/** `kubectl get pods -A -o json` of a large cluster is tens of MiB; far beyond is not a pod list. */
const POD_LIST_LIMIT = { maxBytes: 512 * 1024 * 1024, what: 'a pod list' };

export function createRecheckCommand(registry: RegistrySource): RegisterCommand {
  return (program: Command, ctx: CliContext): void => {
    const command = program
      .command('recheck')
      .description('judge running pods (--pods) or recently admitted images (--since) under today\u2019s store and policy, recording nothing')
      .option('--pods <file>', 'output of `kubectl get pods -A -o json` (or a List of workloads); - reads stdin')
      .option('--since <time>', 'every image admitted since TIME according to the audit trail (ISO-8601 or 7d ago)')
      .option('--policy <file>', 'policy file (env IMAGE_REVIEWER_POLICY; default: built-in)')
      .option('--resolve-deadline-ms <ms>', 'tags: resolve: how long to wait for the registry', String(DEFAULT_RESOLVE_DEADLINE_MS));
    addFormatOptions(command, 'print the images that would now be denied as a JSON array').action(async (options: RecheckOptions) =>
      runRecheck(ctx, registry, options, program),
    );
  };
}

async function runRecheck(ctx: CliContext, registry: RegistrySource, options: RecheckOptions, program: Command): Promise<void> {
  if (options.pods === undefined && options.since === undefined) throw new UsageError('recheck needs --pods FILE or --since TIME (or both)');
  const format = outputFormat(options);
  refuseSharedStdin(program, '--pods', options.pods);
  const since = options.since === undefined ? undefined : sinceTime(options.since, ctx.now());
  const fromPods =
    options.pods === undefined ? [] : podTargets(inputName(options.pods), (await readInputFile(ctx, options.pods, POD_LIST_LIMIT)).toString('utf8'));
  const policy = loadPolicy(ctx.policyPath(options.policy));
  const lookups = await registryLookupsFor(policy, registry, positiveInt('--resolve-deadline-ms', options.resolveDeadlineMs));
  const result = await withStore(ctx, 'read-only', async (store) => {
    const admitted: RecheckTarget[] = since === undefined ? [] : (await store.audit.admittedImages(since)).map((a) => ({
      kind: 'admitted',
      namespace: a.namespace,
      name: `decision ${a.decisionId}`,
      request: { namespace: a.namespace, images: [a.image], annotations: {}, user: null },
    }));
    return recheck({ reader: store.snapshotReader(), policy: () => policy, clock: ctx.now, ...lookups }, [...fromPods, ...admitted]);
  });
  printList(ctx, format, result.denied, recheckView(result.checked));
  if (result.denied.length > 0) ctx.setExitCode(EXIT_FAILED);
}

function podTargets(file: string, text: string): readonly RecheckTarget[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    // JSON.parse quotes the text it stopped at, line breaks included: the error stays one line (SPEC §7).
    throw new InvalidInputError(`${file} is not JSON (kubectl get pods -A -o json): ${errorMessage(err).replace(/\s+/g, ' ')}`);
  }
  const listed = listedObjects(document);
  if (!listed.ok) throw new InvalidInputError(`${file}: ${listed.problem}`);
  return listed.value;
}

function sinceTime(text: string, now: number): number {
  const parsed = parsePastTime(text, now);
  if (!parsed.ok) throw new UsageError(`--since: ${parsed.error}`);
  return parsed.value;
}

/** The images that would now be denied; the table ends with how many of how many checked. */
function recheckView(checked: number): ListView<RecheckFinding> {
  return {
    table: (denied) => {
      if (denied.length === 0) return `nothing would be denied (${checked} checked)`;
      const table = formatTable(
        ['NAMESPACE', 'KIND', 'NAME', 'IMAGE', 'REASONS'],
        denied.map((d) => [d.namespace || '-', d.kind, d.name || '-', d.image, reasonsText(d)]),
      );
      return `${table}\n\n${denied.length} image(s) would now be denied (${checked} checked)`;
    },
    json: (d) => ({ ...d, reasons: d.reasons.map((r) => ({ code: r.code, message: r.message })) }),
    csvHeaders: ['namespace', 'kind', 'name', 'image', 'repository', 'digest', 'reasons', 'messages'],
    csvRow: (d) => [d.namespace, d.kind, d.name, d.image, d.repository, d.digest, d.reasons.map((r) => r.code).join(' '), reasonsText(d)],
  };
}

function reasonsText(d: RecheckFinding): string {
  return d.reasons.map((r) => `${r.code}: ${r.message}`).join('; ');
}
