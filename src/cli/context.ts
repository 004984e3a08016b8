import os from 'node:os';
import path from 'node:path';
import { EXIT_FAILED } from '../errors';

/** Where a CLI command writes and what it knows of its environment; passed in so tests can run commands in-process. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Read only for `--registry-password-stdin`; the process's stdin when absent. */
  readonly stdin?: NodeJS.ReadableStream;
  /** Where `serve` hears SIGHUP (reload) and SIGTERM/SIGINT (stop); the process when absent. */
  readonly signals?: NodeJS.EventEmitter;
}

export interface CliContext {
  readonly io: CliIo;
  /** The store path: `--db`, else `IMAGE_REVIEWER_DB`, else `./data/image-reviewer.db` (SPEC §6). */
  dbPath(): string;
  /** The policy path for commands other than `serve`: `--policy`, else `IMAGE_REVIEWER_POLICY`, else null (built-in default). */
  policyPath(flag: string | undefined): string | null;
  now(): number;
  /** Who is acting: `--by`, else `IMAGE_REVIEWER_ACTOR`, else the OS user name. */
  actor(by: string | undefined): string;
  /** Write one line to stdout. */
  out(line: string): void;
  /** Write one line to stderr. */
  err(line: string): void;
  /**
   * Reports one problem of several as a thrown error would be (`error: MESSAGE` on stderr, one line) and makes the
   * exit code 1, for a command that checks many things and names each failure (`audit verify`).
   */
  fail(message: string): void;
  /** Sets the exit code for a command that completes without throwing but must report failure (e.g. `explain` denied: 1). */
  setExitCode(code: number): void;
  exitCode(): number;
}

/** How the CLI prints an error on stderr (SPEC §7). */
export function errorLine(message: string): string {
  return `error: ${message}\n`;
}

export const DEFAULT_DB_PATH = path.join('data', 'image-reviewer.db');

export function createCliContext(io: CliIo, getDbFlag: () => string | undefined): CliContext {
  let exitCode = 0;
  return {
    io,
    dbPath: () => getDbFlag() ?? io.env.IMAGE_REVIEWER_DB ?? DEFAULT_DB_PATH,
    policyPath: (flag) => flag ?? io.env.IMAGE_REVIEWER_POLICY ?? null,
    now: () => Date.now(),
    actor: (by) => by ?? io.env.IMAGE_REVIEWER_ACTOR ?? safeUserName(),
    out: (line) => void io.stdout.write(line + '\n'),
    err: (line) => void io.stderr.write(line + '\n'),
    fail: (message) => {
      io.stderr.write(errorLine(message));
      exitCode = EXIT_FAILED;
    },
    setExitCode: (code) => {
      exitCode = code;
    },
    exitCode: () => exitCode,
  };
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    // A container running as a numeric uid without a passwd entry has no user name.
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}
