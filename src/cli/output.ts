import { UsageError } from '../errors';

// Output helpers shared by the commands: aligned tables on a TTY, NDJSON and CSV on request (STYLE 8).

/** What a list command prints: JSON with `--json`, CSV with `--csv` (not both: exit 2), else a table. */
export function outputFormat(options: { readonly json?: boolean; readonly csv?: boolean }): 'json' | 'csv' | 'table' {
  if (options.json === true && options.csv === true) throw new UsageError('--json and --csv cannot be combined');
  if (options.json === true) return 'json';
  return options.csv === true ? 'csv' : 'table';
}

export type Cell = string | number | boolean | null | undefined;

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

/** RFC 4180 CSV: a header line, then one line per row; fields with separators, quotes or line breaks are quoted. */
export function formatCsv(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const field = (c: Cell): string => {
    const s = cellText(c);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [headers, ...rows].map((r) => r.map(field).join(',')).join('\r\n');
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
