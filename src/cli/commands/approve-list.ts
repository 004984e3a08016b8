import { EXIT_FAILED, errorMessage } from '../../errors';
import { type Settled, mapWithConcurrency } from '../../registry/map-with-concurrency';
import { type ApproveSettings, approveImage, resolveApprovalTarget } from '../../service/approve-image';
import { requireRef } from '../../service/require-ref';
import type { CliContext } from '../context';
import { createProgressBar } from '../progress-bar';
import { readInputFile } from '../read-input-file';
import { withStore } from '../with-store';
import { describeApproval } from './describe-approval';

// `approve --file LIST` (SPEC §7): many references looked up at once, each approval stored on its own.

/**
 * References looked up at once. The registry client keeps 8 connections per registry, so more would only
 * queue there; and a registry rate-limits one client sooner than it serves it faster.
 */
export const DEFAULT_APPROVE_CONCURRENCY = 8;

/** A release train's list is thousands of lines; 64 MiB is over 500,000 references. */
const LIST_LIMIT = { maxBytes: 64 * 1024 * 1024, what: 'a reference list' };

interface ListLine {
  readonly number: number;
  readonly ref: string;
}

/** References of a LIST file: one per line; `#` starts a comment (no reference contains `#`); blank lines skipped. */
export function parseList(text: string): readonly ListLine[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ number: i + 1, ref: (line.split('#', 1)[0] ?? '').trim() }))
    .filter((line) => line.ref.length > 0);
}

/**
 * Approves every reference of `file`, `concurrency` registry look-ups at a time. Each approval is committed as
 * soon as its look-up succeeds, so a bad line, or an interrupted run, loses none of the others. Results are
 * printed in the file's order (approvals on stdout, failures as `line N: REF: error` on stderr), then a summary;
 * exit 1 if any failed.
 */
export async function approveList(ctx: CliContext, file: string, settings: ApproveSettings, concurrency: number): Promise<void> {
  const lines = parseList((await readInputFile(ctx, file, LIST_LIMIT)).toString('utf8'));
  const progress = createProgressBar(ctx, lines.length);
  // When stdout is the same terminal, the bar is erased before each approval line and drawn again after it.
  const stdoutIsTerminal = ctx.io.stdout.isTTY === true;
  let failed = 0;
  const print = (line: ListLine, result: Settled<string>): void => {
    if (result.ok) {
      if (stdoutIsTerminal) progress.clear();
      ctx.out(result.value);
    } else {
      failed += 1;
      progress.clear();
      ctx.err(`line ${line.number}: ${line.ref}: ${errorMessage(result.error)}`);
    }
  };
  const inOrder = createOrderedPrinter(lines, print);
  try {
    await withStore(ctx, 'read-write', async (store) => {
      progress.update(0);
      await mapWithConcurrency(
        lines,
        concurrency,
        async (line) => {
          const target = await resolveApprovalTarget(requireRef(line.ref), settings, ctx.now);
          return describeApproval(await approveImage(store.approvals, target, settings, ctx.now()), target.resolved);
        },
        (done, total, result, index) => {
          inOrder(index, result);
          if (done < total) progress.update(done);
        },
      );
    });
  } finally {
    progress.clear();
  }
  ctx.err(`approved ${lines.length - failed}, failed ${failed}`);
  if (failed > 0) ctx.setExitCode(EXIT_FAILED);
}

/**
 * Prints each result once every earlier line's is printed: the output follows the file, whatever order the
 * registry answers in, so two runs of one list can be compared line by line.
 */
function createOrderedPrinter(
  lines: readonly ListLine[],
  print: (line: ListLine, result: Settled<string>) => void,
): (index: number, result: Settled<string>) => void {
  const waiting = new Map<number, Settled<string>>();
  let next = 0;
  return (index, result) => {
    waiting.set(index, result);
    for (let ready = waiting.get(next); ready !== undefined; ready = waiting.get(next)) {
      waiting.delete(next);
      const line = lines[next];
      if (line !== undefined) print(line, ready);
      next += 1;
    }
  };
}
