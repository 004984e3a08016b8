import type { Command } from 'commander';
import { parseExpiry } from '../../core/time-spec';
import { UsageError } from '../../errors';
import { checkGrantInput, grantBreakGlass } from '../../service/grant-break-glass';
import { listBreakGlassGrants } from '../../service/list-break-glass-grants';
import { revokeBreakGlassGrant } from '../../service/revoke-break-glass-grant';
import type { GrantRecord } from '../../store/grants-repository';
import type { CliContext } from '../context';
import { type FormatFlags, type ListView, addFormatOptions, formatTable, isoTime, outputFormat, printList } from '../output';
import { withStore } from '../with-store';

// `break-glass grant|list|revoke` (SPEC §7): pre-authorised emergency overrides, consulted when the
// policy sets `breakGlass.requireGrant` so that annotating a pod is not enough on its own (SPEC §4).

interface GrantOptions {
  readonly namespace: string;
  readonly ticket: string;
  readonly expires: string;
  readonly by?: string;
  readonly reason?: string;
}

interface ListOptions extends FormatFlags {
  readonly all?: boolean;
}

export function registerBreakGlass(program: Command, ctx: CliContext): void {
  const breakGlass = program.command('break-glass').description('pre-authorised emergency overrides (breakGlass.requireGrant)');
  breakGlass
    .command('grant')
    .description('allow break-glass for a namespace and ticket until an expiry')
    .requiredOption('--namespace <glob>', 'namespace name or glob (prod-*)')
    .requiredOption('--ticket <ticket>', 'the ticket the pod must name')
    .requiredOption('--expires <when>', 'expiry: duration from now (4h) or ISO-8601 date-time')
    .option('--by <name>', 'who grants (env IMAGE_REVIEWER_ACTOR; default: OS user)')
    .option('--reason <text>', 'why')
    .action(async (options: GrantOptions) => grant(ctx, options));
  const listCommand = breakGlass
    .command('list')
    .description('list active grants (--all includes expired and revoked ones)')
    .option('--all', 'include expired and revoked grants');
  addFormatOptions(listCommand).action(async (options: ListOptions) => list(ctx, options));
  breakGlass
    .command('revoke')
    .description('revoke a grant (recorded, not deleted)')
    .argument('<id>', 'grant id (from `break-glass list`)')
    .option('--by <name>', 'who revokes (env IMAGE_REVIEWER_ACTOR; default: OS user)')
    .action(async (id: string, options: { readonly by?: string }) => revoke(ctx, id, options));
}

/** A positive integer id, as `exception remove` and `break-glass revoke` take. */
export function parseId(text: string, what: string): number {
  const id = /^[1-9][0-9]{0,14}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id)) throw new UsageError(`invalid ${what} id ${JSON.stringify(text.slice(0, 40))}: expected a positive integer`);
  return id;
}

async function grant(ctx: CliContext, options: GrantOptions): Promise<void> {
  checkGrantInput(options);
  const now = ctx.now();
  const expiry = parseExpiry(options.expires, now);
  if (!expiry.ok) throw new UsageError(`--expires: ${expiry.error}`);
  const input = {
    namespace: options.namespace,
    ticket: options.ticket,
    expiresAt: expiry.value,
    reason: options.reason ?? null,
    by: ctx.actor(options.by),
    now,
  };
  const record = await withStore(ctx, 'read-write', (store) => grantBreakGlass(store.grants, input));
  ctx.out(
    `granted break-glass ${record.id}: namespace ${record.namespace}, ticket ${record.ticket}, expires ${isoTime(record.expiresAt)}`,
  );
}

async function list(ctx: CliContext, options: ListOptions): Promise<void> {
  const format = outputFormat(options);
  const filter = { all: options.all === true, now: ctx.now() };
  const grants = await withStore(ctx, 'read-only', (store) => listBreakGlassGrants(store.grants, filter));
  printList(ctx, format, grants, GRANTS_VIEW);
}

async function revoke(ctx: CliContext, idText: string, options: { readonly by?: string }): Promise<void> {
  const input = { id: parseId(idText, 'break-glass grant'), by: ctx.actor(options.by), now: ctx.now() };
  const record = await withStore(ctx, 'read-write', (store) => revokeBreakGlassGrant(store.grants, input));
  ctx.out(`revoked break-glass ${record.id}: namespace ${record.namespace}, ticket ${record.ticket}`);
}

export function grantJson(g: GrantRecord) {
  return {
    id: g.id,
    namespace: g.namespace,
    ticket: g.ticket,
    expiresAt: isoTime(g.expiresAt),
    grantedBy: g.grantedBy,
    grantedAt: isoTime(g.grantedAt),
    reason: g.reason,
    revokedAt: isoTime(g.revokedAt),
    revokedBy: g.revokedBy,
    status: g.status,
  };
}

export const GRANTS_VIEW: ListView<GrantRecord> = {
  table: grantsTable,
  json: grantJson,
  csvHeaders: ['id', 'namespace', 'ticket', 'status', 'expiresAt', 'grantedBy', 'grantedAt', 'reason', 'revokedAt', 'revokedBy'],
  csvRow: (g) => [g.id, g.namespace, g.ticket, g.status, isoTime(g.expiresAt), g.grantedBy, isoTime(g.grantedAt), g.reason,
    isoTime(g.revokedAt), g.revokedBy],
};

function grantsTable(grants: readonly GrantRecord[]): string {
  return formatTable(
    ['ID', 'NAMESPACE', 'TICKET', 'STATUS', 'EXPIRES', 'BY', 'REASON'],
    grants.map((g) => [g.id, g.namespace, g.ticket, g.status, isoTime(g.expiresAt), g.grantedBy, g.reason ?? '-']),
  );
}
