import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withStore } from '../with-store';

// `migrate` (SPEC §7): applies pending migrations and says what it did. Refusals (an edited or missing
// applied migration, a store newer than this code) are StoreErrors: one line on stderr, exit 1.

export function registerMigrate(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('apply pending store migrations')
    .action(async () => {
      const { applied, version } = await withStore(ctx, 'migrate', (store) => store.migrate(() => ctx.now()));
      for (const name of applied) ctx.out(`applied ${name}`);
      ctx.out(applied.length === 0 ? `store is up to date (schema version ${version})` : `store is now at schema version ${version}`);
    });
}
