// JSON lines on stdout, one object per event (SPEC §9): Fluentd's `json` parser and Elasticsearch ingest them without a
// grok pattern, and `kubectl logs` stays readable. No dependency: the format is five keys and a safe serialiser.
import { UsageError } from './errors';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Extra keys of a log line. Any value is accepted; odd ones (bigint, circular, Error, Map) are made JSON-safe. */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields` (a request's decision id, a component name). */
  child(fields: LogFields): Logger;
  /** Lets a caller skip building expensive fields when the line would be dropped anyway. */
  isLevelEnabled(level: LogLevel): boolean;
  /** Writes the lines held back by `batch` now (a no-op otherwise, or when none are held). */
  flush(): void;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; default process.stdout. */
  readonly stream?: { write(chunk: string): unknown };
  /** Time source; default Date.now. */
  readonly clock?: () => number;
  /**
   * Lines logged in one turn of the event loop are written together at its end (setImmediate), in one write: each
   * decision is still its own line, but the reviews one commit answers no longer cost a write system call each
   * (`serve`; bench/RESULTS.md "Where the reviewer's CPU goes"). The owner calls `flush()` before the process ends;
   * what a kill -9 or a fatal V8 error interrupts can lose the lines of that one turn.
   */
  readonly batch?: boolean;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };
const RESERVED = new Set(['time', 'level', 'msg']);
const MAX_DEPTH = 8;

export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stdout;
  const clock = options.clock ?? Date.now;
  const threshold = RANK[options.level];
  const write = (text: string): void => {
    try {
      stream.write(text);
    } catch {
      // A closed stdout (EPIPE while shutting down) must not turn a log call into a crash of the review path.
    }
  };
  // Shared by the logger and its children, so that their lines keep the order they were logged in.
  const held: string[] = [];
  let flushScheduled = false;
  const flush = (): void => {
    flushScheduled = false;
    if (held.length === 0) return;
    const text = held.join('');
    held.length = 0;
    write(text);
  };
  const emit = (line: string): void => {
    if (options.batch !== true) {
      write(line);
      return;
    }
    held.push(line);
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  };
  const make = (bound: LogFields): Logger => {
    const log = (level: LogLevel, msg: string, fields?: LogFields): void => {
      // Checked first so a filtered-out debug line costs one comparison, not a serialisation.
      if (RANK[level] < threshold) return;
      emit(formatLine(clock(), level, msg, bound, fields) + '\n');
    };
    return {
      debug: (msg, fields) => log('debug', msg, fields),
      info: (msg, fields) => log('info', msg, fields),
      warn: (msg, fields) => log('warn', msg, fields),
      error: (msg, fields) => log('error', msg, fields),
      child: (fields) => make({ ...bound, ...fields }),
      isLevelEnabled: (level) => RANK[level] >= threshold,
      flush,
    };
  };
  return make({});
}

/** Parses `--log-level` / `IMAGE_REVIEWER_LOG_LEVEL`; absent → `fallback`, unknown → UsageError (exit 2). */
export function parseLogLevel(text: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  if (text === undefined || text.trim() === '') return fallback;
  const wanted = text.trim().toLowerCase();
  const level = LOG_LEVELS.find((l) => l === wanted);
  if (level === undefined) {
    throw new UsageError(`invalid log level "${text}" (expected one of ${LOG_LEVELS.join(', ')})`);
  }
  return level;
}

function formatLine(time: number, level: LogLevel, msg: string, bound: LogFields, fields?: LogFields): string {
  const record: Record<string, unknown> = { time: isoTime(time), level, msg: String(msg) };
  for (const source of [bound, fields]) {
    if (source === undefined) continue;
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined) continue;
      // The first three keys are what log pipelines index on; a field may not overwrite them.
      record[RESERVED.has(key) ? `field.${key}` : key] = isPlainJson(value, 0) ? value : toJsonSafe(value, [], 0);
    }
  }
  try {
    return JSON.stringify(record);
  } catch (err) {
    return JSON.stringify({ time: record.time, level, msg: record.msg, logError: String(err) });
  }
}

function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

/**
 * True for a value that toJsonSafe would copy unchanged: strings, finite numbers, booleans, null, and arrays
 * and plain objects of those, within MAX_DEPTH (so no cycle). JSON.stringify then writes the same text from
 * the value itself, sparing the copy on every decision line (cpu profile, bench/RESULTS.md).
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !isPlainJson(value[i], depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor === undefined || !('value' in descriptor) || !isPlainJson(descriptor.value, depth + 1)) return false;
  }
  return true;
}

/** Copies a value into plain JSON data. Ancestors (not every object seen) mark a cycle, so shared references survive. */
export function toJsonSafe(value: unknown, ancestors: readonly object[], depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'symbol':
    case 'function':
      return String(value);
    case 'undefined':
      return null;
  }
  if (value === null) return null;
  const obj = value as object;
  if (ancestors.includes(obj)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  return objectToJsonSafe(obj, [...ancestors, obj], depth + 1);
}

function objectToJsonSafe(obj: object, ancestors: readonly object[], depth: number): unknown {
  try {
    if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    if (obj instanceof Error) return errorToJson(obj, ancestors, depth);
    if (Buffer.isBuffer(obj)) return `<Buffer ${obj.length} bytes>`;
    if (Array.isArray(obj)) return obj.map((v: unknown) => toJsonSafe(v, ancestors, depth));
    if (obj instanceof Map) return toJsonSafe(Object.fromEntries(obj), ancestors.slice(0, -1), depth - 1);
    if (obj instanceof Set) return toJsonSafe([...obj], ancestors.slice(0, -1), depth - 1);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(obj)) out[key] = toJsonSafe(v, ancestors, depth);
    return out;
  } catch (err) {
    // A throwing getter or proxy: say so rather than losing the whole line.
    return `[Unserialisable: ${err instanceof Error ? err.message : String(err)}]`;
  }
}

function errorToJson(err: Error, ancestors: readonly object[], depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  if (err.stack !== undefined) out.stack = err.stack;
  for (const [key, v] of Object.entries(err)) out[key] = toJsonSafe(v, ancestors, depth);
  if (err.cause !== undefined) out.cause = toJsonSafe(err.cause, ancestors, depth);
  return out;
}
