import type { Command } from 'commander';
import type { CliContext } from './context';

/** A command module registers its subcommand(s) on the program; actions throw typed errors (src/errors.ts). */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;
