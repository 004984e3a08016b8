import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

export const CLI = path.resolve(__dirname, '../../dist/cli.js');

/** The image's `ENV NODE_OPTIONS=…` (Dockerfile), so a test can run serve as the container does. */
export function imageNodeOptions(): string {
  const dockerfile = fs.readFileSync(path.resolve(__dirname, '../../Dockerfile'), 'utf8');
  const match = /^ENV NODE_OPTIONS=(\S+)/m.exec(dockerfile);
  if (match?.[1] === undefined) throw new Error('the Dockerfile sets no NODE_OPTIONS');
  return match[1];
}

/** A running `serve`, in its own process or in this one. */
export interface ServeHandle {
  readonly baseUrl: string;
  /** Every JSON log line the server has printed so far. */
  readonly logs: Record<string, unknown>[];
  /** Delivers a signal as the operator would (SIGHUP reloads the policy). */
  signal(signal: NodeJS.Signals): void;
  /** Stops the server (SIGTERM unless told) and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServeProcess extends ServeHandle {
  readonly child: ChildProcess;
}

export interface SpawnOptions {
  readonly uid?: number;
  readonly gid?: number;
  readonly cwd?: string;
  /** Node's own flags, before the script (`node FLAGS dist/cli.js …`). */
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts `node dist/cli.js serve` as a user would, on an ephemeral loopback port, and resolves once its
 * `serving` log line names the address.
 */
export async function startServeProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  { nodeArgs = [], ...as }: SpawnOptions = {},
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...as,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const { logs, address } = watchServeLog(child.stdout!, exited, () => stderr);
  return {
    child,
    baseUrl: `http://${await address}`,
    logs,
    signal: (signal) => void child.kill(signal),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * The log lines of `serve` matching `expected`, once there are some (empty after ~5 s): serve writes a turn's lines
 * at the end of that turn (logger.ts `batch`), so they arrive a little after the answer that turn sent.
 */
export async function logged(serve: ServeHandle, expected: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const matching = (): Record<string, unknown>[] => serve.logs.filter((line) => expect.objectContaining(expected).asymmetricMatch(line));
  for (let i = 0; i < 100 && matching().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return matching();
}

/** Collects the JSON log lines of `stdout`; `address` resolves with the `serving` line's address. */
export function watchServeLog(
  stdout: NodeJS.ReadableStream,
  exited: Promise<number | null>,
  stderr: () => string,
): { logs: Record<string, unknown>[]; address: Promise<string> } {
  const logs: Record<string, unknown>[] = [];
  const address = new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: stdout });
    lines.on('line', (line) => {
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (typeof entry !== 'object' || entry === null) return;
      const record = entry as Record<string, unknown>;
      logs.push(record);
      if (record.msg === 'serving' && typeof record.address === 'string') resolve(record.address);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code} before listening: ${stderr()}`)));
  });
  return { logs, address };
}
