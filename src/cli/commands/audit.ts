import type { Command } from 'commander';
import { parsePastTime } from '../../core/time-spec';
import { UsageError } from '../../errors';
import type { DecisionFilter } from '../../store/audit-query';
import { type StoreVerdict, verdictProblems, verifyStore } from '../../service/verify-store';
import { auditStatistics } from '../../service/audit-statistics';
import { listDecisions } from '../../service/list-decisions';
import { type DecisionFilterText, parseDecisionFilter } from '../../service/parse-decision-filter';
import { readCheckpointPublicKey } from '../../checkpoint/checkpoint-key';
import { readCheckpoints } from '../../checkpoint/read-checkpoints';
import { type CheckpointVerdict, verifyCheckpoints } from '../../checkpoint/verify-checkpoints';
import type { CliContext } from '../context';
import { type FormatFlags, addFormatOptions, outputFormat } from '../output';
import { withStore } from '../with-store';
import { decisionJson, decisionsCsv, decisionsTable, statsCsv, statsJson, statsTable } from './audit-output';

// `audit [filters] [--json|--csv]`, `audit stats [--since T] [--until T] [--namespace NS] [--json|--csv]`,
// `audit verify [--checkpoints FILE [--public-key FILE]]` (SPEC §7).

interface AuditOptions extends DecisionFilterText, FormatFlags {}

interface VerifyOptions {
  readonly checkpoints?: string;
  readonly publicKey?: string;
}

type StatsOptions = Pick<AuditOptions, 'since' | 'until' | 'namespace' | 'json' | 'csv'>;

/** The `audit` flags that `audit stats` honours (SPEC §7); any other is a usage error, never silently ignored. */
const STATS_FLAGS: readonly (keyof StatsOptions)[] = ['since', 'until', 'namespace', 'json', 'csv'];

export const DEFAULT_AUDIT_LIMIT = 100;

export function registerAudit(program: Command, ctx: CliContext): void {
  const audit = program
    .command('audit')
    .description('query recorded decisions, newest first')
    .option('--namespace <ns>', 'only this namespace')
    .option('--image <glob>', 'only decisions with an image (as given, or its repository) matching GLOB')
    .option('--decision <allowed|denied>', 'only allowed or only denied decisions')
    .option('--reason <code>', 'only decisions with an image denied for this reason code')
    .option('--break-glass', 'only decisions where break-glass was applied')
    .option('--user <name>', 'only decisions requested by this user (/validate records who asked; ImageReview never says)')
    .option('--since <time>', 'not before TIME (ISO-8601 or 1h, 7d ago)')
    .option('--until <time>', 'not after TIME (ISO-8601 or 1h, 7d ago)')
    .option('--limit <n>', 'at most N decisions', String(DEFAULT_AUDIT_LIMIT));
  addFormatOptions(audit, 'one JSON object per line (NDJSON)').action(async (options: AuditOptions) => {
    const filter = toFilter(options, ctx.now());
    const format = outputFormat(options);
    const decisions = await withStore(ctx, 'read-only', (store) => listDecisions(store.audit, filter));
    if (format === 'json') decisions.forEach((d) => ctx.out(JSON.stringify(decisionJson(d))));
    else if (format === 'csv') ctx.out(decisionsCsv(decisions));
    else ctx.out(decisions.length === 0 ? 'no matching decisions' : decisionsTable(decisions));
  });
  const stats = audit
    .command('stats')
    .description('counts by decision, mode, namespace, reason code and break-glass')
    .option('--since <time>', 'only decisions since TIME (ISO-8601 or 1h, 7d ago)')
    .option('--until <time>', 'only decisions until TIME (ISO-8601 or 1h, 7d ago)')
    .option('--namespace <ns>', 'only this namespace');
  addFormatOptions(stats, 'print JSON').action(async (local: StatsOptions) => {
    // Commander gives `audit stats --since 1h` to `audit`, which has the same flags (positional options would
    // need them before subcommands for the root's --db too), so read both, and refuse the ones stats ignores.
    const extra = givenFlags(audit).filter((name) => !STATS_FLAGS.some((f) => optionFlag(audit, f) === name));
    if (extra.length > 0) {
      throw new UsageError(`audit stats does not take ${extra.join(', ')} (it takes --since, --until, --namespace, --json, --csv)`);
    }
    const options: StatsOptions = { ...audit.opts<StatsOptions>(), ...definedOnly(local) };
    const format = outputFormat(options);
    const now = ctx.now();
    const filter = {
      since: options.since === undefined ? undefined : pastTime('--since', options.since, now),
      until: options.until === undefined ? undefined : pastTime('--until', options.until, now),
      namespace: options.namespace,
    };
    const counts = await withStore(ctx, 'read-only', (store) => auditStatistics(store.audit, filter));
    if (format === 'json') ctx.out(JSON.stringify(statsJson(counts)));
    else if (format === 'csv') ctx.out(statsCsv(counts));
    else ctx.out(statsTable(counts));
  });
  audit
    .command('verify')
    .description("check the decisions' and the change log's hash chains, the indexes derived from them, and that approvals, exceptions, grants and scans match the change log; exit 1, one line per problem")
    .option('--checkpoints <file>', 'JSON log lines holding signed checkpoints: fail when a chain is shorter or differs')
    .option('--public-key <file>', 'the checkpoint public key (checkpoint keygen); default: the key each checkpoint embeds')
    .action(async (options: VerifyOptions) => {
      const filters = givenFlags(audit);
      if (filters.length > 0) throw new UsageError(`audit verify takes none of audit's filters or formats (got ${filters.join(', ')}): it checks the whole store`);
      if (options.publicKey !== undefined && options.checkpoints === undefined) {
        throw new UsageError('--public-key needs --checkpoints');
      }
      const publicKey = options.publicKey === undefined ? undefined : readCheckpointPublicKey(options.publicKey);
      const found = options.checkpoints === undefined ? [] : await readCheckpoints(options.checkpoints);
      const verdict = await withStore(ctx, 'read-only', async (store) => {
        const { decisions, changes } = await verifyStore(store);
        // Checkpoints are compared with intact chains only: a broken chain is already the answer.
        const intact = decisions.ok && changes.chain === null;
        const named = found.flatMap((cp) => cp.signed.checkpoint.chains);
        const anchored = intact && options.checkpoints !== undefined ? verifyCheckpoints(found, await store.audit.chains(named), publicKey) : null;
        return { decisions, changes, checkpoints: anchored };
      });
      report(ctx, verdict, options.checkpoints ?? '', publicKey !== undefined);
    });
}

/** The long flags given on the command line to `command` (not defaults), e.g. `--limit`. */
function givenFlags(command: Command): string[] {
  return command.options
    .filter((o) => command.getOptionValueSource(o.attributeName()) === 'cli')
    .map((o) => o.long ?? o.flags);
}

function optionFlag(command: Command, attribute: string): string | undefined {
  return command.options.find((o) => o.attributeName() === attribute)?.long;
}

function definedOnly(options: StatsOptions): StatsOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

interface Verdict extends StoreVerdict {
  readonly checkpoints: CheckpointVerdict | null;
}

/** Every problem as its own `error:` line on stderr with exit 1 (SPEC §7); else one line on stdout. */
function report(ctx: CliContext, { decisions, changes, checkpoints }: Verdict, file: string, keyGiven: boolean): void {
  const problems = verdictProblems({ decisions, changes });
  if (checkpoints !== null && !checkpoints.ok) problems.push(`audit chain does not match ${file}: ${checkpoints.problem}`);
  if (problems.length > 0) {
    problems.forEach((p) => ctx.fail(p));
    return;
  }
  const counted = `audit chain ok: ${decisions.rows} decisions, ${changes.entries} changes`;
  if (checkpoints === null) {
    ctx.out(`${counted} (approvals, exceptions, grants and scans match the change log)`);
  } else if (checkpoints.ok) {
    const signer = keyGiven ? '' : ' (signatures checked only with the keys the checkpoints embed)';
    const newest = checkpoints.newest.signed.checkpoint.time;
    ctx.out(`${counted}, consistent with ${checkpoints.checked} checkpoint(s), the newest ${newest}${signer}`);
  }
}

function toFilter(options: AuditOptions, now: number): DecisionFilter {
  return parseDecisionFilter(options, now, (field) => `--${field}`);
}

function pastTime(flag: string, text: string, now: number): number {
  const parsed = parsePastTime(text, now);
  if (!parsed.ok) throw new UsageError(`${flag}: ${parsed.error}`);
  return parsed.value;
}
