import { spawnSync } from 'node:child_process';
import { CLI } from './serve-process';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI as a user would (`node dist/cli.js --db FILE …`) with IMAGE_REVIEWER_ACTOR=tester, and
 * `stdin` on its standard input (for --registry-password-stdin); no standard input when absent.
 */
export function runCli(dbPath: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, stdin?: string): CliResult {
  const result = spawnSync(process.execPath, [CLI, '--db', dbPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, IMAGE_REVIEWER_ACTOR: 'tester', ...env },
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    input: stdin,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a CLI command that prepares a test's store; throws with its stderr when it fails. */
export function seedCli(dbPath: string, args: readonly string[]): void {
  const result = runCli(dbPath, args);
  if (result.status !== 0) throw new Error(`seeding failed: ${args.join(' ')}: ${result.stderr}`);
}
