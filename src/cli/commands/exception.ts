import type { Command } from 'commander';
import { parseExpiry } from '../../core/time-spec';
import { UsageError } from '../../errors';
import { type ExceptionRecord, addException, listExceptions, removeException } from '../../store/exceptions-repo';
import { openStore } from '../../store/open-database';
import type { CliContext } from '../context';
import { formatTable, isoTime } from '../output';
import { parseId } from './break-glass';

// `exception add|list|remove` (SPEC §7): CVE exceptions, each with an expiry and a reason, so that an
// accepted risk is never accepted forever or without a record of why.

interface AddOptions {
  readonly repository?: string;
  readonly expires: string;
  readonly reason: string;
  readonly by?: string;
}

/** Vulnerability IDs are CVE-…, GHSA-…, ALPINE-…, RUSTSEC-…: checked loosely so any scanner's IDs fit. */
const MAX_VULN_ID_LENGTH = 128;

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
    .action((vulnId: string, options: AddOptions) => add(ctx, vulnId, options));
  exception
    .command('list')
    .description('list active exceptions (--all includes expired and removed ones)')
    .option('--all', 'include expired and removed exceptions')
    .option('--json', 'print a JSON array')
    .action((options: { readonly all?: boolean; readonly json?: boolean }) => list(ctx, options));
  exception
    .command('remove')
    .description('remove an exception (recorded, not deleted)')
    .argument('<id>', 'exception id (from `exception list`)')
    .option('--by <name>', 'who removes it (env IMAGE_REVIEWER_ACTOR; default: OS user)')
    .action((id: string, options: { readonly by?: string }) => remove(ctx, id, options));
}

function add(ctx: CliContext, vulnId: string, options: AddOptions): void {
  checkVulnId(vulnId);
  if (options.repository !== undefined && options.repository.trim() === '') {
    throw new UsageError('--repository must not be empty');
  }
  if (options.reason.trim() === '') throw new UsageError('--reason must not be empty');
  const now = ctx.now();
  const expiry = parseExpiry(options.expires, now);
  if (!expiry.ok) throw new UsageError(`--expires: ${expiry.error}`);
  const db = openStore(ctx.dbPath(), { migrate: 'apply' });
  try {
    const record = addException(db, {
      vulnerabilityId: vulnId,
      repository: options.repository ?? null,
      expiresAt: expiry.value,
      reason: options.reason,
      by: ctx.actor(options.by),
      now,
    });
    ctx.out(
      `added exception ${record.id}: ${record.vulnerabilityId} for ${record.repository ?? 'every repository'}, expires ${isoTime(record.expiresAt)}`,
    );
  } finally {
    db.close();
  }
}

function checkVulnId(vulnId: string): void {
  if (vulnId.length === 0 || vulnId.length > MAX_VULN_ID_LENGTH || /\s/.test(vulnId)) {
    throw new UsageError(
      `invalid vulnerability ID ${JSON.stringify(vulnId.slice(0, 40))}: expected 1–${MAX_VULN_ID_LENGTH} characters without spaces (CVE-2024-1234)`,
    );
  }
}

function list(ctx: CliContext, options: { readonly all?: boolean; readonly json?: boolean }): void {
  const db = openStore(ctx.dbPath(), { migrate: 'apply' });
  try {
    const records = listExceptions(db, { all: options.all === true, now: ctx.now() });
    if (options.json === true) ctx.out(JSON.stringify(records.map(exceptionJson)));
    else ctx.out(exceptionsTable(records));
  } finally {
    db.close();
  }
}

function remove(ctx: CliContext, idText: string, options: { readonly by?: string }): void {
  const id = parseId(idText, 'exception');
  const db = openStore(ctx.dbPath(), { migrate: 'apply' });
  try {
    const record = removeException(db, { id, by: ctx.actor(options.by), now: ctx.now() });
    ctx.out(`removed exception ${record.id}: ${record.vulnerabilityId} for ${record.repository ?? 'every repository'}`);
  } finally {
    db.close();
  }
}

export function exceptionJson(e: ExceptionRecord) {
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

function exceptionsTable(records: readonly ExceptionRecord[]): string {
  return formatTable(
    ['ID', 'VULNERABILITY', 'REPOSITORY', 'STATUS', 'EXPIRES', 'BY', 'REASON'],
    records.map((e) => [e.id, e.vulnerabilityId, e.repository ?? '*', e.status, isoTime(e.expiresAt), e.createdBy, e.reason]),
  );
}
