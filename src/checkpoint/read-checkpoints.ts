import fs from 'node:fs';
import readline from 'node:readline';
import { InvalidInputError, errorMessage } from '../errors';
import { CHECKPOINT_MSG, type ChainState, type SignedCheckpoint } from './checkpoint';

export interface FoundCheckpoint {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly signed: SignedCheckpoint;
}

/**
 * The checkpoints in a file of JSON log lines (as collected by Fluentd, or `serve`'s own stdout): lines whose `msg`
 * is `checkpoint`; every other line is ignored. Read as a stream, since such a file holds every decision's line too.
 * A checkpoint line that is malformed is an error, not skipped: a damaged anchor must not pass for none.
 */
export async function readCheckpoints(file: string): Promise<readonly FoundCheckpoint[]> {
  const found: FoundCheckpoint[] = [];
  const input = fs.createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    throw new InvalidInputError(`cannot read ${file}: ${errorMessage(err)}`);
  }
  let line = 0;
  for await (const text of readline.createInterface({ input, crlfDelay: Infinity })) {
    line += 1;
    // Cheap filter first: most lines are decisions.
    if (!text.includes(CHECKPOINT_MSG)) continue;
    const entry = parseJson(text);
    if (!isRecord(entry) || entry.msg !== CHECKPOINT_MSG) continue;
    const signed = toSignedCheckpoint(entry);
    if (signed === null) throw new InvalidInputError(`${file} line ${line}: malformed checkpoint`);
    found.push({ line, signed });
  }
  return found;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toSignedCheckpoint(entry: Readonly<Record<string, unknown>>): SignedCheckpoint | null {
  const { checkpoint, publicKey, signature } = entry;
  if (!isRecord(checkpoint) || typeof publicKey !== 'string' || typeof signature !== 'string') return null;
  const { time, chains } = checkpoint;
  if (typeof time !== 'string' || !Array.isArray(chains)) return null;
  const states: ChainState[] = [];
  for (const c of chains) {
    if (!isRecord(c)) return null;
    const { chain, count, head } = c;
    if (typeof chain !== 'string' || typeof head !== 'string' || typeof count !== 'number') return null;
    if (!Number.isSafeInteger(count) || count < 0) return null;
    states.push({ chain, count, head });
  }
  return { checkpoint: { time, chains: states }, publicKey, signature };
}
