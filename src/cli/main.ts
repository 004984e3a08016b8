import { Command, CommanderError } from 'commander';
import { AppError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, errorMessage } from '../errors';
import { createApproveCommand } from './commands/approve';
import { registerApiserverConfig } from './commands/apiserver-config';
import { registerApprovals } from './commands/approvals';
import { registerAudit } from './commands/audit';
import { registerBreakGlass } from './commands/break-glass';
import { registerCheckpoint } from './commands/checkpoint';
import { registerException } from './commands/exception';
import { registerMigrate } from './commands/migrate';
import { createRecheckCommand } from './commands/recheck';
import { createRevokeCommand } from './commands/revoke';
import { registerScan } from './commands/scan';
import { registerWebhookConfig } from './commands/webhook-config';
import { createServeCommand } from './commands/serve';
import { createExplainCommand } from './commands/explain';
import { type CliContext, type CliIo, createCliContext } from './context';
import { type RegistryFlags, addRegistryOptions, registryClientOptions } from './registry-options';
import { type RegistryProvider, createRegistryProvider } from './registry-provider';

/** A command module registers its subcommand(s) on the program; actions throw typed errors (src/errors.ts). */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export function buildProgram(io: CliIo): { program: Command; ctx: CliContext; registry: RegistryProvider } {
  const program = new Command('image-reviewer');
  const ctx = createCliContext(io, () => program.opts<{ db?: string }>().db);
  // Read when a command first asks a registry, by then commander has parsed the flags wherever they stood.
  const registry = createRegistryProvider(() =>
    registryClientOptions(program.opts<RegistryFlags>(), io.env, io.stdin ?? process.stdin),
  );
  program
    .description('Kubernetes ImagePolicyWebhook backend: approved digests, scans, break-glass, audited decisions')
    .option('--db <path>', 'SQLite store (env IMAGE_REVIEWER_DB; default ./data/image-reviewer.db)')
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    });
  addRegistryOptions(program);
  const commands: readonly RegisterCommand[] = [
    createServeCommand(registry.get),
    createExplainCommand(registry.get),
    createApproveCommand(registry.get),
    createRevokeCommand(registry.get),
    createRecheckCommand(registry.get),
    registerApprovals,
    registerScan,
    registerException,
    registerBreakGlass,
    registerAudit,
    registerCheckpoint,
    registerMigrate,
    registerApiserverConfig,
    registerWebhookConfig,
  ];
  for (const register of commands) register(program, ctx);
  // Every subcommand, however deep, reports usage errors through the same exit path (exit 2).
  const applyOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(applyOverride);
  };
  applyOverride(program);
  return { program, ctx, registry };
}

/** Runs the CLI and returns its exit code (SPEC §7: 0 ok, 1 failed or denied, 2 usage error). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { program, ctx, registry } = buildProgram(io);
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return ctx.exitCode();
  } catch (err) {
    return exitCodeFor(err, io);
  } finally {
    await registry.close();
  }
}

function exitCodeFor(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // Help and version are not errors; commander already printed its own message for the rest.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return EXIT_OK;
    }
    return EXIT_USAGE;
  }
  if (err instanceof AppError) {
    io.stderr.write(`error: ${err.message}\n`);
    return err.exitCode;
  }
  io.stderr.write(`error: ${errorMessage(err)}\n`);
  return EXIT_FAILED;
}
