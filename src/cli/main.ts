import { Command, CommanderError } from 'commander';
import { AppError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, errorMessage } from '../errors';
import { type CliContext, type CliIo, createCliContext, errorLine } from './context';
import { packageVersion } from './package-version';
import type { RegisterCommand } from './register-command';
import { type RegistryFlags, addRegistryOptions, registryClientOptions } from './registry-options';
import { type RegistryProvider, type RegistrySource, createRegistryProvider } from './registry-provider';
import type { RegistryClientOptions } from '../registry/registry-client';

/**
 * The commands, in `--help` order, each loaded only when it runs: a command's module pulls in what it needs
 * (serve: Express and prom-client; approve: the registry client), and a CLI run pays only for its own.
 */
const COMMANDS: readonly {
  readonly name: string;
  readonly load: (registry: RegistrySource, clientOptions: () => Promise<RegistryClientOptions>) => Promise<RegisterCommand>;
}[] = [
  // serve also talks to Harbor's API (`--harbor-url`), with the registry client's credentials.
  { name: 'serve', load: async (registry, clientOptions) => (await import('./commands/serve')).createServeCommand(registry, clientOptions) },
  { name: 'explain', load: async (registry) => (await import('./commands/explain')).createExplainCommand(registry) },
  { name: 'approve', load: async (registry) => (await import('./commands/approve')).createApproveCommand(registry) },
  { name: 'revoke', load: async (registry) => (await import('./commands/revoke')).createRevokeCommand(registry) },
  { name: 'recheck', load: async (registry) => (await import('./commands/recheck')).createRecheckCommand(registry) },
  { name: 'approvals', load: async () => (await import('./commands/approvals')).registerApprovals },
  { name: 'changes', load: async () => (await import('./commands/changes')).registerChanges },
  { name: 'scan', load: async () => (await import('./commands/scan')).registerScan },
  { name: 'exception', load: async () => (await import('./commands/exception')).registerException },
  { name: 'break-glass', load: async () => (await import('./commands/break-glass')).registerBreakGlass },
  { name: 'audit', load: async () => (await import('./commands/audit')).registerAudit },
  { name: 'checkpoint', load: async () => (await import('./commands/checkpoint')).registerCheckpoint },
  { name: 'migrate', load: async () => (await import('./commands/migrate')).registerMigrate },
  { name: 'store', load: async () => (await import('./commands/store')).registerStore },
  { name: 'apiserver-config', load: async () => (await import('./commands/apiserver-config')).registerApiserverConfig },
  { name: 'webhook-config', load: async () => (await import('./commands/webhook-config')).registerWebhookConfig },
];

/** The program with the command `argv` names registered, or every command when it names none it knows (help, typos). */
export async function buildProgram(
  argv: readonly string[],
  io: CliIo,
): Promise<{ program: Command; ctx: CliContext; registry: RegistryProvider }> {
  const program = new Command('image-reviewer');
  const ctx = createCliContext(io, () => program.opts<{ db?: string }>().db);
  // Read once (stdin holds one password), when a command first asks a registry or Harbor: by then commander has
  // parsed the flags wherever they stood.
  let clientOptions: Promise<RegistryClientOptions> | null = null;
  const options = (): Promise<RegistryClientOptions> =>
    (clientOptions ??= registryClientOptions(program.opts<RegistryFlags>(), io.env, io.stdin ?? process.stdin));
  const registry = createRegistryProvider(options);
  program
    .description('Kubernetes ImagePolicyWebhook backend: approved digests, scans, break-glass, audited decisions')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (env IMAGE_REVIEWER_DB; default ./data/image-reviewer.db)')
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    });
  addRegistryOptions(program);
  const named = commandName(program, argv);
  const wanted = COMMANDS.filter((c) => c.name === named);
  for (const command of wanted.length > 0 ? wanted : COMMANDS) (await command.load(registry.get, options))(program, ctx);
  // Every subcommand, however deep, reports usage errors through the same exit path (exit 2).
  const applyOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(applyOverride);
  };
  applyOverride(program);
  return { program, ctx, registry };
}

/** The first argument that is neither a program option nor its value: the command, as commander will read it. */
function commandName(program: Command, argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--') return undefined;
    if (!arg.startsWith('-')) return arg;
    const option = program.options.find((o) => o.long === arg || o.short === arg);
    if (option?.required === true) i += 1;
  }
  return undefined;
}

/** Runs the CLI and returns its exit code (SPEC §7: 0 ok, 1 failed or denied, 2 usage error). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let registry: RegistryProvider | undefined;
  try {
    const built = await buildProgram(argv, io);
    registry = built.registry;
    await built.program.parseAsync(argv as string[], { from: 'user' });
    return built.ctx.exitCode();
  } catch (err) {
    return exitCodeFor(err, io);
  } finally {
    await registry?.close();
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
    io.stderr.write(errorLine(err.message));
    return err.exitCode;
  }
  io.stderr.write(errorLine(errorMessage(err)));
  return EXIT_FAILED;
}
