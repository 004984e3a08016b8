import type { Command } from 'commander';
import { parsePastTime } from '../../core/time-spec';
import { UsageError } from '../../errors';
import type { ChangeRecord } from '../../store/change-log-repository';
import type { CliContext } from '../context';
import { formatCsv, formatTable, isoTime, outputFormat } from '../output';
import { withStore } from '../with-store';

// `changes [--since T] [--actor NAME] [--json|--csv]` (SPEC §7): the operator change log — who did what, when and
// why — oldest first, as it is chained (issue 10 item 5).

interface ChangesOptions {
  readonly since?: string;
  readonly actor?: string;
  readonly json?: boolean;
  readonly csv?: boolean;
}

export function registerChanges(program: Command, ctx: CliContext): void {
  program
    .command('changes')
    .description('the operator change log (approve, revoke, scan import, exceptions, break-glass grants): who, what, when, why; oldest first')
    .option('--since <time>', 'only changes since TIME (ISO-8601 or 1h, 7d ago)')
    .option('--actor <name>', 'only changes made by NAME')
    .option('--json', 'print a JSON array')
    .option('--csv', 'CSV with a header line')
    .action(async (options: ChangesOptions) => {
      const format = outputFormat(options);
      const now = ctx.now();
      const since = options.since === undefined ? undefined : sinceTime(options.since, now);
      const changes = await withStore(ctx, 'read-only', (store) => store.changes.list({ since, actor: options.actor }));
      if (format === 'json') ctx.out(JSON.stringify(changes.map(changeJson)));
      else if (format === 'csv') ctx.out(formatCsv(['id', 'time', 'actor', 'action', 'subject', 'details'], changes.map((c) => [c.id, isoTime(c.time), c.actor, c.action, c.subject, c.details])));
      else if (changes.length === 0) ctx.out('no matching changes');
      else ctx.out(formatTable(['ID', 'TIME', 'ACTOR', 'ACTION', 'SUBJECT', 'DETAILS'], changes.map((c) => [c.id, isoTime(c.time), c.actor, c.action, c.subject, detailsText(c.details)])));
    });
}

function sinceTime(text: string, now: number): number {
  const parsed = parsePastTime(text, now);
  if (!parsed.ok) throw new UsageError(`--since: ${parsed.error}`);
  return parsed.value;
}

function changeJson(c: ChangeRecord) {
  return { id: c.id, time: isoTime(c.time), actor: c.actor, action: c.action, subject: c.subject, details: parseDetails(c.details) };
}

/** `reason=no fix yet, expiresAt=2030-06-01T00:00:00.000Z`: the details that are set, times in ISO-8601. */
function detailsText(details: string | null): string {
  const parsed = parseDetails(details);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return details ?? '-';
  const parts = Object.entries(parsed)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => `${key}=${key.endsWith('At') && typeof value === 'number' ? isoTime(value) : typeof value === 'string' ? value : JSON.stringify(value)}`);
  return parts.length === 0 ? '-' : parts.join(', ');
}

function parseDetails(details: string | null): unknown {
  try {
    return JSON.parse(details ?? 'null');
  } catch {
    return details;
  }
}
