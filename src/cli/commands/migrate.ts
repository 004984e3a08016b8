import type { Command } from 'commander';
import { applyMigrations, planMigrations } from '../../store/migrate';
import { openDatabase } from '../../store/open-database';
import type { CliContext } from '../context';

// `migrate` (SPEC §7): applies pending migrations and says what it did. Refusals (an edited or missing
// applied migration, a store newer than this code) are StoreErrors: one line on stderr, exit 1.

export function registerMigrate(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('apply pending store migrations')
    .action(() => {
      const db = openDatabase(ctx.dbPath());
      try {
        const applied = applyMigrations(db, { now: () => ctx.now() });
        const version = planMigrations(db).current;
        for (const m of applied) ctx.out(`applied ${m.name}`);
        ctx.out(
          applied.length === 0
            ? `store is up to date (schema version ${version})`
            : `store is now at schema version ${version}`,
        );
      } finally {
        db.close();
      }
    });
}
