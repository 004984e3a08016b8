import type { Command } from 'commander';
import { UsageError } from '../errors';
import type { CliContext } from './context';

// Output helpers shared by the commands: aligned tables by default, JSON and CSV on request (STYLE 8, SPEC §7:
// "every list command offers --json and --csv").

export type Cell = string | number | boolean | null | undefined;

export type OutputFormat = 'table' | 'json' | 'csv';

/** The `--json` / `--csv` flags of a list command, as commander parses them. */
export interface FormatFlags {
  readonly json?: boolean;
  readonly csv?: boolean;
}

/** Adds `--json` (described by `json`: an array, NDJSON, …) and `--csv` to a list command. */
export function addFormatOptions(command: Command, json = 'print a JSON array'): Command {
  return command.option('--json', json).option('--csv', 'CSV with a header line (cells a spreadsheet would run as a formula are neutralised)');
}

/** The format the flags ask for; a usage error when they ask for two. */
export function outputFormat(flags: FormatFlags): OutputFormat {
  if (flags.json === true && flags.csv === true) throw new UsageError('--json and --csv cannot be combined');
  if (flags.json === true) return 'json';
  return flags.csv === true ? 'csv' : 'table';
}

/** How one kind of record is printed in each format. */
export interface ListView<T> {
  /** The table (or what to say when there is nothing to list). */
  table(items: readonly T[]): string;
  /** One item's JSON shape (SPEC §7); the list is printed as one JSON array. */
  json(item: T): unknown;
  readonly csvHeaders: readonly string[];
  /** One item's CSV cells, in the order of `csvHeaders`. */
  csvRow(item: T): readonly Cell[];
}

/** Prints `items` in `format` through `view`. */
export function printList<T>(ctx: CliContext, format: OutputFormat, items: readonly T[], view: ListView<T>): void {
  if (format === 'json') ctx.out(listJson(items, view));
  else if (format === 'csv') ctx.out(listCsv(items, view));
  else ctx.out(view.table(items));
}

/** `--json` of a list: what the dashboard's JSON downloads send too. */
export function listJson<T>(items: readonly T[], view: ListView<T>): string {
  return JSON.stringify(items.map((item) => view.json(item)));
}

/** `--csv` of a list: what the dashboard's CSV downloads send too. */
export function listCsv<T>(items: readonly T[], view: ListView<T>): string {
  return formatCsv(view.csvHeaders, items.map((item) => view.csvRow(item)));
}

/** An aligned text table with a header row; columns are padded to their widest cell. */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => row.map(cellText));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...text.map(line)].join('\n');
}

/**
 * RFC 4180 CSV: a header line, then one line per row (CRLF); fields with separators, quotes or line breaks are
 * quoted. Text cells that a spreadsheet would evaluate as a formula — starting with `=`, `+`, `-`, `@`, TAB or CR —
 * get a leading `'` (OWASP "CSV Injection"): image strings and tickets come from pod authors, and
 * `=HYPERLINK("http://x","y")` must reach the spreadsheet as text.
 */
export function formatCsv(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [headers, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n');
}

const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(c: Cell): string {
  // Only text is neutralised: a number cell (-3) is a number, never a formula, and stays one.
  const neutral = typeof c === 'string' && FORMULA_START.test(c) ? `'${c}` : c;
  const s = cellText(neutral);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function cellText(c: Cell): string {
  if (c === null || c === undefined) return '';
  // Control characters from stored strings (image names come from pods) must not drive the terminal.
  return String(c).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** ISO-8601 UTC for an epoch-ms time, or null. */
export function isoTime(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}
