import type { Command } from 'commander';
import { parsePastTime } from '../../core/time-spec';
import { EXIT_FAILED, UsageError } from '../../errors';
import type { DecisionFilter } from '../../store/audit-query';
import { type StoreVerdict, verdictProblems, verifyStore } from '../../service/verify-store';
import { auditStatistics } from '../../service/audit-statistics';
import { listDecisions } from '../../service/list-decisions';
import { type DecisionFilterText, parseDecisionFilter } from '../../service/parse-decision-filter';
import { readCheckpointPublicKey } from '../../checkpoint/checkpoint-key';
import { readCheckpoints } from '../../checkpoint/read-checkpoints';
import { type CheckpointVerdict, verifyCheckpoints } from '../../checkpoint/verify-checkpoints';
import type { CliContext } from '../context';
import { outputFormat } from '../output';
import { withStore } from '../with-store';
import { decisionJson, decisionsCsv, decisionsTable, statsJson, statsTable } from './audit-output';

// `audit [filters] [--json|--csv]`, `audit stats [--since T]`, `audit verify [--checkpoints FILE]` (SPEC §7).

interface AuditOptions extends DecisionFilterText {
  readonly json?: boolean;
  readonly csv?: boolean;
}

interface VerifyOptions {
  readonly checkpoints?: string;
  readonly publicKey?: string;
}

interface StatsOptions {
  readonly since?: string;
  readonly json?: boolean;
}

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
    .option('--limit <n>', 'at most N decisions', String(DEFAULT_AUDIT_LIMIT))
    .option('--json', 'one JSON object per line (NDJSON)')
    .option('--csv', 'CSV with a header line')
    .action(async (options: AuditOptions) => {
      const filter = toFilter(options, ctx.now());
      const format = outputFormat(options);
      const decisions = await withStore(ctx, 'read-only', (store) => listDecisions(store.audit, filter));
      if (format === 'json') decisions.forEach((d) => ctx.out(JSON.stringify(decisionJson(d))));
      else if (format === 'csv') ctx.out(decisionsCsv(decisions));
      else ctx.out(decisions.length === 0 ? 'no matching decisions' : decisionsTable(decisions));
    });
  audit
    .command('stats')
    .description('counts by decision, mode, namespace, reason code and break-glass')
    .option('--since <time>', 'only decisions since TIME (ISO-8601 or 1h, 7d ago)')
    .option('--json', 'print JSON')
    .action(async (local: StatsOptions) => {
      // Commander gives `audit stats --since 1h` to `audit`, which has the same flags (positional options
      // would need them before subcommands for the root's --db too), so read both.
      const parent = audit.opts<StatsOptions>();
      const sinceText = local.since ?? parent.since;
      const since = sinceText === undefined ? undefined : pastTime('--since', sinceText, ctx.now());
      const stats = await withStore(ctx, 'read-only', (store) => auditStatistics(store.audit, since));
      const json = local.json === true || parent.json === true;
      ctx.out(json ? JSON.stringify(statsJson(stats)) : statsTable(stats));
    });
  audit
    .command('verify')
    .description("check the decisions' and the change log's hash chains, the indexes derived from them, and that approvals, exceptions, grants and scans match the change log; exit 1, one line per problem")
    .option('--checkpoints <file>', 'JSON log lines holding signed checkpoints: fail when a chain is shorter or differs')
    .option('--public-key <file>', 'the checkpoint public key (checkpoint keygen); default: the key each checkpoint embeds')
    .action(async (options: VerifyOptions) => {
      if (options.publicKey !== undefined && options.checkpoints === undefined) {
        throw new UsageError('--public-key needs --checkpoints');
      }
      const publicKey = options.publicKey === undefined ? undefined : readCheckpointPublicKey(options.publicKey);
      const found = options.checkpoints === undefined ? [] : await readCheckpoints(options.checkpoints);
      const verdict = await withStore(ctx, 'read-only', async (store) => {
        const { decisions, changes } = await verifyStore(store);
        // Checkpoints are compared with intact chains only: a broken chain is already the answer.
        const intact = decisions.ok && changes.chain === null;
        const anchored = intact && options.checkpoints !== undefined ? verifyCheckpoints(found, await store.audit.chains(), publicKey) : null;
        return { decisions, changes, checkpoints: anchored };
      });
      report(ctx, verdict, options.checkpoints ?? '', publicKey !== undefined);
    });
}

interface Verdict extends StoreVerdict {
  readonly checkpoints: CheckpointVerdict | null;
}

/** Every problem on its own line on stderr with exit 1 (SPEC §7); else one line on stdout. */
function report(ctx: CliContext, { decisions, changes, checkpoints }: Verdict, file: string, keyGiven: boolean): void {
  const problems = verdictProblems({ decisions, changes });
  if (checkpoints !== null && !checkpoints.ok) problems.push(`audit chain does not match ${file}: ${checkpoints.problem}`);
  if (problems.length > 0) {
    problems.forEach((p) => ctx.err(p));
    ctx.setExitCode(EXIT_FAILED);
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
