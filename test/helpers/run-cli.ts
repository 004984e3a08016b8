import { spawnSync } from 'node:child_process';
import { CLI } from './serve-process';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI as a user would (`node dist/cli.js --db FILE …`), with no stdin and IMAGE_REVIEWER_ACTOR=tester. */
export function runCli(dbPath: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, '--db', dbPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, IMAGE_REVIEWER_ACTOR: 'tester', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
