import type { ChainRow } from './audit-hash';
import { splitReasons } from './audit-rows';
import { DAY_MS, HOUR_MS } from './audit-stats';

// The counts derived from the decisions, which the hash chain does not cover: on SQLite added by the audit writer per
// commit (audit-batch.ts; migrations 0002, 0009, 0010), on PostgreSQL by statement triggers on insert and row
// triggers on delete and update (0001, 0003, 0005, 0006). `audit verify` recounts each from the decisions it walks
// and compares (audit-verify.ts), so an edited count (which would falsify `audit stats` or the dashboard) is
// reported like an edited reason row.

export type RollupKey = readonly (string | number)[];

export interface DecisionRollup {
  readonly table: string;
  /** The key columns, in key order (the count is `n`). */
  readonly columns: readonly string[];
  /** The keys a decision adds one to. */
  keys(row: ChainRow): readonly RollupKey[];
  /** The group a key names, for the mismatch message. */
  describe(key: RollupKey): string;
  /** What a wrong count would falsify. */
  readonly falsifies: string;
}

/** The outcome `decision_outcomes` counts a decision under (the CASE of migration 0009). */
export function decisionOutcome(row: Pick<ChainRow, 'allowed' | 'breakGlass' | 'mode' | 'overridden'>): string {
  if (row.allowed === 0) return 'denied';
  if (row.breakGlass === 1) return 'break-glass';
  if (row.mode === 'dry-run' && row.overridden !== null) return 'would-deny';
  return 'allowed';
}

const utc = (ms: number, chars: number): string => new Date(ms).toISOString().slice(0, chars);
const group = (key: RollupKey): string =>
  `namespace ${JSON.stringify(key[1])}, ${String(key[2])}, allowed=${String(key[3])}, break-glass=${String(key[4])}`;
const COUNT_COLUMNS = ['namespace', 'mode', 'allowed', 'break_glass'];

export const DECISION_ROLLUPS: readonly DecisionRollup[] = [
  {
    table: 'decision_counts',
    columns: ['hour', ...COUNT_COLUMNS],
    keys: (row) => [[Math.floor(row.time / HOUR_MS), row.namespace, row.mode, row.allowed, row.breakGlass]],
    describe: (key) => `${group(key)}, hour ${utc(Number(key[0]) * HOUR_MS, 13)}:00Z`,
    falsifies: 'audit stats',
  },
  {
    table: 'decision_day_counts',
    columns: ['day', ...COUNT_COLUMNS],
    keys: (row) => [[Math.floor(row.time / DAY_MS), row.namespace, row.mode, row.allowed, row.breakGlass]],
    describe: (key) => `${group(key)}, day ${utc(Number(key[0]) * DAY_MS, 10)}`,
    falsifies: 'audit stats',
  },
  {
    table: 'decision_outcomes',
    columns: ['hour', 'outcome'],
    keys: (row) => [[Math.floor(row.time / HOUR_MS), decisionOutcome(row)]],
    describe: (key) => `${String(key[1])}, hour ${utc(Number(key[0]) * HOUR_MS, 13)}:00Z`,
    falsifies: "the dashboard's chart",
  },
  {
    table: 'decision_reason_counts',
    columns: ['hour', 'reason'],
    // One per reason code the decision has, as `decision_reasons` holds one row per (code, decision).
    keys: (row) => [...new Set(row.images.flatMap((i) => splitReasons(i.reasons)))].map((code) => [Math.floor(row.time / HOUR_MS), code]),
    describe: (key) => `reason '${String(key[1])}', hour ${utc(Number(key[0]) * HOUR_MS, 13)}:00Z`,
    falsifies: 'audit stats',
  },
];

/** A rollup row being counted: its key, and how many decisions fall in it. */
export interface RollupGroup {
  readonly key: RollupKey;
  n: number;
}

/**
 * Adds the decision to each of the rollup's rows it falls in, in `groups` (keyed by the key's JSON text); `create`
 * makes a row's group the first time it is met. How the audit writer counts a commit and `audit verify` recounts.
 */
export function countIntoRollup<G extends RollupGroup>(
  groups: Map<string, G>,
  rollup: DecisionRollup,
  row: ChainRow,
  create: (key: RollupKey) => G,
): void {
  for (const key of rollup.keys(row)) {
    const text = JSON.stringify(key);
    const group = groups.get(text);
    if (group === undefined) groups.set(text, create(key));
    else group.n += 1;
  }
}

/**
 * The statement reading a rollup's stored counts per key; the same text on both engines. Summed, because PostgreSQL
 * keeps a row per key and audit chain (its migration 0005), so replicas never update the same row.
 */
export function rollupRowsQuery(rollup: DecisionRollup): string {
  const key = rollup.columns.join(', ');
  return `SELECT ${key}, CAST(sum(n) AS BIGINT) AS n FROM ${rollup.table} GROUP BY ${key}`;
}
