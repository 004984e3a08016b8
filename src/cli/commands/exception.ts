import type { Command } from 'commander';
import { parseExpiry } from '../../core/time-spec';
import { UsageError } from '../../errors';
import { addException } from '../../service/add-exception';
import type { ExceptionRecord } from '../../store/exceptions-repository';
import type { CliContext } from '../context';
import { type FormatFlags, type ListView, addFormatOptions, formatTable, isoTime, outputFormat, printList } from '../output';
import { withStore } from '../with-store';
import { parseId } from './break-glass';

// `exception add|list|remove` (SPEC §7): CVE exceptions, each with an expiry and a reason, so that an
// accepted risk is never accepted forever or without a record of why.

interface AddOptions {
  readonly repository?: string;
  readonly expires: string;
  readonly reason: string;
  readonly by?: string;
}

interface ListOptions extends FormatFlags {
  readonly all?: boolean;
}

interface RemoveOptions {
  readonly reason?: string;
  readonly by?: string;
}

export function registerException(program: Command, ctx: CliContext): void {
  const exception = program.command('exception').description('CVE exceptions: findings not counted while active');
  exception
    .command('add')
    .description('add an exception for a vulnerability ID')
    .argument('<vuln-id>', 'vulnerability ID as the scanner reports it (CVE-2024-1234, GHSA-…)')
    .option('--repository <glob>', 'only for repositories matching GLOB (default: every repository)')
    .requiredOption('--expires <when>', 'expiry: ISO-8601 date/date-time or duration from now (30d)')
    .requiredOption('--reason <text>', 'why the risk is accepted')
    .option('--by <name>', 'who adds it (env IMAGE_REVIEWER_ACTOR; default: OS user)')
    .action(async (vulnId: string, options: AddOptions) => add(ctx, vulnId, options));
  const listCommand = exception
    .command('list')
    .description('list active exceptions (--all includes expired and removed ones)')
    .option('--all', 'include expired and removed exceptions');
  addFormatOptions(listCommand).action(async (options: ListOptions) => list(ctx, options));
  exception
    .command('remove')
    .description('remove an exception (recorded, not deleted)')
    .argument('<id>', 'exception id (from `exception list`)')
    .option('--reason <text>', 'why it is removed (recorded in the change log)')
    .option('--by <name>', 'who removes it (env IMAGE_REVIEWER_ACTOR; default: OS user)')
    .action(async (id: string, options: RemoveOptions) => remove(ctx, id, options));
}

async function add(ctx: CliContext, vulnId: string, options: AddOptions): Promise<void> {
  if (options.repository !== undefined && options.repository.trim() === '') {
    throw new UsageError('--repository must not be empty');
  }
  if (options.reason.trim() === '') throw new UsageError('--reason must not be empty');
  const now = ctx.now();
  const expiry = parseExpiry(options.expires, now);
  if (!expiry.ok) throw new UsageError(`--expires: ${expiry.error}`);
  const input = {
    vulnerabilityId: vulnId,
    repository: options.repository ?? null,
    expiresAt: expiry.value,
    reason: options.reason,
    by: ctx.actor(options.by),
    now,
  };
  const record = await withStore(ctx, 'read-write', (store) => addException(store.exceptions, input));
  ctx.out(
    `added exception ${record.id}: ${record.vulnerabilityId} for ${record.repository ?? 'every repository'}, expires ${isoTime(record.expiresAt)}`,
  );
}

async function list(ctx: CliContext, options: ListOptions): Promise<void> {
  const format = outputFormat(options);
  const filter = { all: options.all === true, now: ctx.now() };
  const records = await withStore(ctx, 'read-only', (store) => store.exceptions.list(filter));
  printList(ctx, format, records, EXCEPTIONS_VIEW);
}

async function remove(ctx: CliContext, idText: string, options: RemoveOptions): Promise<void> {
  if (options.reason !== undefined && options.reason.trim() === '') throw new UsageError('--reason must not be empty');
  const input = { id: parseId(idText, 'exception'), reason: options.reason ?? null, by: ctx.actor(options.by), now: ctx.now() };
  const record = await withStore(ctx, 'read-write', (store) => store.exceptions.remove(input));
  ctx.out(`removed exception ${record.id}: ${record.vulnerabilityId} for ${record.repository ?? 'every repository'}`);
}

function exceptionJson(e: ExceptionRecord) {
  return {
    id: e.id,
    vulnerabilityId: e.vulnerabilityId,
    repository: e.repository,
    expiresAt: isoTime(e.expiresAt),
    reason: e.reason,
    createdBy: e.createdBy,
    createdAt: isoTime(e.createdAt),
    removedAt: isoTime(e.removedAt),
    removedBy: e.removedBy,
    status: e.status,
  };
}

const EXCEPTIONS_VIEW: ListView<ExceptionRecord> = {
  table: exceptionsTable,
  json: exceptionJson,
  csvHeaders: ['id', 'vulnerabilityId', 'repository', 'status', 'expiresAt', 'reason', 'createdBy', 'createdAt', 'removedAt', 'removedBy'],
  csvRow: (e) => [e.id, e.vulnerabilityId, e.repository, e.status, isoTime(e.expiresAt), e.reason, e.createdBy,
    isoTime(e.createdAt), isoTime(e.removedAt), e.removedBy],
};

function exceptionsTable(records: readonly ExceptionRecord[]): string {
  return formatTable(
    ['ID', 'VULNERABILITY', 'REPOSITORY', 'STATUS', 'EXPIRES', 'BY', 'REASON'],
    records.map((e) => [e.id, e.vulnerabilityId, e.repository ?? '*', e.status, isoTime(e.expiresAt), e.createdBy, e.reason]),
  );
}
