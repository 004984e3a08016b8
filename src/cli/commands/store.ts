import fs from 'node:fs';
import type { Command } from 'commander';
import { AppError, StoreError, UsageError, errorMessage } from '../../errors';
import { type StoreVerdict, verdictProblems, verifyStore } from '../../service/verify-store';
import { type CopiedTable, copyTables } from '../../store/copy-tables';
import { openStoreAt } from '../../store/open-store';
import { openTableReader, openTableWriter } from '../../store/open-store-tables';
import { type StoreLocation, describeStore, isPostgresUrl } from '../../store/store-location';
import type { StoreMode } from '../../store/store';
import type { CliContext } from '../context';

// `store copy --from DB --to DB` (SPEC §7): moves a store between engines (SQLite ↔ PostgreSQL), verifying the chains
// on the way: a source that does not verify is not copied, and the copy is verified as the destination reads it.
// Rows go across as stored (ids, hashes, times), so the copy's chains and signed checkpoints are the source's.

interface CopyOptions {
  readonly from: string;
  readonly to: string;
}

export function registerStore(program: Command, ctx: CliContext): void {
  const store = program.command('store').description('store maintenance');
  store
    .command('copy')
    .description('copy a store to another engine (SQLite <-> PostgreSQL), verifying its chains before and after')
    .requiredOption('--from <db>', 'the store to copy: a SQLite file or a postgres:// URL (read only)')
    .requiredOption('--to <db>', 'a new SQLite file, or an empty PostgreSQL store made with `migrate`')
    .action(async (options: CopyOptions) => copyStore(ctx, options));
}

async function copyStore(ctx: CliContext, options: CopyOptions): Promise<void> {
  if (options.from === options.to) throw new UsageError('--from and --to name the same store');
  const from: StoreLocation = { db: options.from, env: ctx.io.env };
  const to: StoreLocation = { db: options.to, env: ctx.io.env };
  const source = await verified(from, 'read-only', 'the source store');
  ctx.out(`verified ${describeStore(from.db)}: ${counts(source)}`);
  const created = !isPostgresUrl(to.db) && !fs.existsSync(to.db);
  try {
    // Opening read-write creates and migrates a new SQLite file, and checks a PostgreSQL one is migrated.
    await (await openStoreAt(to, 'read-write')).close();
    const copied = await copyRows(from, to);
    ctx.out(`copied ${copied.reduce((n, t) => n + t.rows, 0)} rows in ${copied.length} tables to ${describeStore(to.db)}`);
    const copy = await verified(to, 'read-only', 'the copy');
    ctx.out(`verified ${describeStore(to.db)}: ${counts(copy)}`);
  } catch (err) {
    // A SQLite file this command made and could not fill is removed, so a retry starts from nothing.
    if (created) fs.rmSync(to.db, { force: true });
    throw err;
  }
}

async function verified(location: StoreLocation, mode: StoreMode, what: string): Promise<StoreVerdict> {
  const store = await openStoreAt(location, mode);
  let verdict: StoreVerdict;
  try {
    verdict = await verifyStore(store);
  } finally {
    await store.close();
  }
  const problems = verdictProblems(verdict);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more: audit verify --db … lists them)` : '';
    throw new StoreError(`${what} ${describeStore(location.db)} does not verify, nothing copied: ${problems[0]}${more}`);
  }
  return verdict;
}

async function copyRows(from: StoreLocation, to: StoreLocation): Promise<readonly CopiedTable[]> {
  const reader = await openTableReader(from);
  try {
    const writer = await openTableWriter(to);
    try {
      return await copyTables(reader, writer);
    } finally {
      await writer.close();
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new StoreError(`copying ${describeStore(from.db)} to ${describeStore(to.db)} failed, nothing copied: ${errorMessage(err)}`);
  } finally {
    await reader.close();
  }
}

function counts(verdict: StoreVerdict): string {
  return `${verdict.decisions.rows} decisions, ${verdict.changes.entries} changes`;
}
