import type { CliContext } from './context';

export interface ProgressBar {
  /** Draws `done` of the total. */
  update(done: number): void;
  /** Erases the bar, so a line printed next starts on a clean line. */
  clear(): void;
}

const WIDTH = 30;

/** A one-line progress bar redrawn on stderr, only when stderr is a terminal (never in logs or pipes). */
export function createProgressBar(ctx: CliContext, total: number): ProgressBar {
  const stderr = ctx.io.stderr;
  if (!('isTTY' in stderr) || stderr.isTTY !== true || total === 0) return { update: () => {}, clear: () => {} };
  return {
    update: (done) => {
      const filled = Math.round((done / total) * WIDTH);
      stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total}`);
    },
    clear: () => void stderr.write('\r\x1b[2K'),
  };
}
