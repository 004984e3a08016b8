import fs from 'node:fs';
import type { Command } from 'commander';
import { InvalidInputError, UsageError, errorMessage } from '../errors';
import type { CliContext } from './context';
import type { RegistryFlags } from './registry-options';

// A FILE argument of `-` reads stdin (SPEC §7): `scan import -`, `approve --file -`, `recheck --pods -`, so that
// `trivy image -f json … | image-reviewer scan import -` and `kubectl get pods -A -o json | … recheck --pods -` work
// without a temporary file.

/** The name of the input in messages: the path, or `stdin` for `-`. */
export function inputName(file: string): string {
  return file === '-' ? 'stdin' : file;
}

/**
 * UsageError when `flag` is `-` and `--registry-password-stdin` reads stdin too: one of them would get nothing.
 * Checked before either is read.
 */
export function refuseSharedStdin(program: Command, flag: string, file: string | undefined): void {
  if (file === '-' && program.opts<RegistryFlags>().registryPasswordStdin === true) {
    throw new UsageError(`${flag} - and --registry-password-stdin both read stdin: put one of them in a file`);
  }
}

/** The most an input may hold, and what it is (`a scan report`), for the message when it holds more. */
export interface InputLimit {
  readonly maxBytes: number;
  readonly what: string;
}

/** All of FILE (or of stdin for `-`); InvalidInputError, naming it, when it cannot be read or is over the limit. */
export async function readInputFile(ctx: CliContext, file: string, limit: InputLimit): Promise<Buffer> {
  if (file === '-') return readStdin(ctx.io.stdin ?? process.stdin, limit);
  try {
    const size = fs.statSync(file).size;
    if (size > limit.maxBytes) throw new InvalidInputError(`${file} is ${size} bytes, over the ${limit.maxBytes}-byte limit for ${limit.what}`);
    return fs.readFileSync(file);
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    throw new InvalidInputError(`cannot read ${file}: ${errorMessage(err)}`);
  }
}

/** Reads until the end, stopping as soon as `maxBytes` is passed: a runaway producer is not buffered whole. */
async function readStdin(stdin: NodeJS.ReadableStream, limit: InputLimit): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stdin) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += buffer.length;
      if (size > limit.maxBytes) throw new InvalidInputError(`stdin is over the ${limit.maxBytes}-byte limit for ${limit.what}`);
      chunks.push(buffer);
    }
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    throw new InvalidInputError(`cannot read stdin: ${errorMessage(err)}`);
  }
  return Buffer.concat(chunks);
}
