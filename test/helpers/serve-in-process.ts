import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/main';
import { type ServeHandle, watchServeLog } from './serve-process';

/**
 * Runs `serve` in this process through `runCli(argv, io)`, its log lines captured and its signals delivered on an
 * emitter of its own (never this process's); for tests that need the webhook, not a process.
 */
export async function startServeInProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ServeHandle> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let errText = '';
  stderr.on('data', (chunk: Buffer) => (errText += chunk.toString()));
  const signals = new EventEmitter();
  const exited = runCli(args, { stdout, stderr, env: { ...process.env, ...env }, signals }).finally(() => stdout.end());
  const { logs, address } = watchServeLog(stdout, exited, () => errText);
  let stopped = false;
  return {
    baseUrl: `http://${await address}`,
    logs,
    signal: (signal) => void signals.emit(signal),
    stop: async (signal = 'SIGTERM') => {
      if (!stopped) signals.emit(signal);
      stopped = true;
      return exited;
    },
  };
}
