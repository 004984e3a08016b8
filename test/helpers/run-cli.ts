import { spawnSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { runCli as runCliInProcess } from '../../src/cli/main';
import { CLI } from './serve-process';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const TEST_ENV = { IMAGE_REVIEWER_ACTOR: 'tester' } as const;

/**
 * Runs the CLI in this process through `runCli(argv, io)` of src/cli/main.ts (`--db FILE …`) with
 * IMAGE_REVIEWER_ACTOR=tester, its output captured, and `stdin` as its standard input (for
 * --registry-password-stdin); an empty standard input when absent, as `node dist/cli.js </dev/null` has.
 */
export function runCli(dbPath: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<CliResult> {
  return runCliArgv(['--db', dbPath, ...args], env, stdin);
}

/** runCli for a command that needs no store (`apiserver-config`): `argv` as given. */
export async function runCliArgv(argv: readonly string[], env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<CliResult> {
  const stdout = capture();
  const stderr = capture();
  const status = await runCliInProcess(argv, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { ...process.env, ...TEST_ENV, ...env },
    stdin: Readable.from(stdin === undefined ? [] : [stdin]),
  });
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

/**
 * Runs the built CLI as a user would (`node dist/cli.js --db FILE …`), for the smoke tests of the built artifact and
 * for what needs a process of its own; same arguments as runCli, no standard input when `stdin` is absent.
 */
export function runCliProcess(dbPath: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, stdin?: string): CliResult {
  const result = spawnSync(process.execPath, [CLI, '--db', dbPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...TEST_ENV, ...env },
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    input: stdin,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a CLI command that prepares a test's store; throws with its stderr when it fails. */
export async function seedCli(dbPath: string, args: readonly string[]): Promise<void> {
  const result = await runCli(dbPath, args);
  if (result.status !== 0) throw new Error(`seeding failed: ${args.join(' ')}: ${result.stderr}`);
}

function capture(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
