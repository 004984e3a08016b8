import type { Check, CheckName, ReasonCode } from '../types';
import type { ImageContext } from './image-context';

/**
 * The message of a passed or skipped check, built only when the context asks for descriptions: `explain` prints
 * them, while a review reads failed checks alone (the deny reason, the audit record), and formatting a message for
 * every check of every image (times, counts, names) was a quarter of `decide`'s time (bench/RESULTS.md "Where the
 * reviewer's CPU goes"). A failed check's message is the reason, so it is always built.
 */
export function described(context: Pick<ImageContext, 'describe'>, message: () => string): string {
  return context.describe ? message() : '';
}

export function pass(name: CheckName, message: string): Check {
  return { name, outcome: 'pass', message };
}

export function skip(name: CheckName, message: string): Check {
  return { name, outcome: 'skip', message };
}

export function fail(name: CheckName, code: ReasonCode, message: string): Check {
  return { name, outcome: 'fail', code, message };
}
