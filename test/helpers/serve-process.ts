import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export const CLI = path.resolve(__dirname, '../../dist/cli.js');

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  /** Every JSON log line the server has printed so far. */
  readonly logs: Record<string, unknown>[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
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
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
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
    void exited.then((code) => reject(new Error(`serve exited with ${code} before listening: ${stderr}`)));
  });
  return {
    child,
    baseUrl: `http://${address}`,
    logs,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
