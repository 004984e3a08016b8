import { type ChangeHead, type StoredChange, createChangeChainWalk } from './change-chain';
import type { ChangeLogVerdict, ChangeRecord } from './change-log-repository';

// SPEC §6: "the current approvals, exceptions and grants must equal what that history says". Replays the change
// log into the rows it implies and compares them with the stored rows, column by column, so a row edited, added or
// removed outside image-reviewer (a revoked digest silently approved again by an UPDATE of `approvals`) is named.
// Pure over rows read by the engine (column names as in the schema), so every engine checks the same way.
//
// Memory stays flat however many rows there are: the engine gives, per table, the changes ordered by the row they
// change (CHANGE_ORDER) and the stored rows ordered by id, and the two are merged one row at a time.

/** A stored row by column name; scans also carry `targets` and `finding_counts` (see withScanReads). */
export type StoredRow = Readonly<Record<string, unknown>>;

export type Table = 'approvals' | 'cve_exceptions' | 'break_glass_grants' | 'scans' | 'registry_events';
const TABLES: readonly Table[] = ['approvals', 'cve_exceptions', 'break_glass_grants', 'scans', 'registry_events'];

/** Rows as an engine streams them: SQLite's iterators, PostgreSQL's cursors. */
export type Rows<T> = Iterable<T> | AsyncIterable<T>;

/**
 * What an engine reads for `audit verify` of the change log, each read once, in this order (the entries, then per
 * table its changes beside its rows).
 */
export interface ChangeLogSource {
  /** Every entry, in id order: the chain walk, and the entries whose action no table has. */
  readonly entries: Rows<StoredChange>;
  /** Per table: the changes of these actions (CHANGE_ACTIONS), ordered by the row they change (CHANGE_ORDER), then id. */
  readonly changes: (table: Table) => Rows<ChangeRecord>;
  /** Per table: the stored rows, ordered by id. */
  readonly rows: (table: Table) => Rows<StoredRow>;
}

/** The actions that change each table. */
export const CHANGE_ACTIONS: Readonly<Record<Table, readonly string[]>> = {
  approvals: ['approve', 'revoke'],
  cve_exceptions: ['exception-add', 'exception-remove'],
  break_glass_grants: ['break-glass-grant', 'break-glass-revoke'],
  scans: ['scan-import'],
  registry_events: ['registry-event'],
};

/** Every action some table's changes have: an entry of any other action is reported from the id-ordered pass. */
const TABLE_ACTIONS: ReadonlySet<string> = new Set(Object.values(CHANGE_ACTIONS).flat());

/**
 * How each table's changes name their row, for the engine's ORDER BY: an approval's id is `approvalId` in the
 * details, every other row's id ends the subject (`scan:12`). Entries that name no row this way are reported by the
 * merge and left out of it, wherever the engine sorts them.
 */
export const CHANGE_ORDER: Readonly<Record<Table, 'approval-id' | 'subject-id'>> = {
  approvals: 'approval-id',
  cve_exceptions: 'subject-id',
  break_glass_grants: 'subject-id',
  scans: 'subject-id',
  registry_events: 'subject-id',
};

/**
 * `audit verify` of the change log, whatever the engine: the chain (change-chain.ts) and the entries of actions no
 * table has from one pass over the entries in id order, then, table by table, the changes replayed row by row and
 * compared with the stored rows (each change's details read there, once). Problems: entries that cannot be replayed
 * (in change order), then rows that differ (in table, id order).
 */
export async function checkChangeLog(source: ChangeLogSource, head: ChangeHead | undefined): Promise<ChangeLogVerdict> {
  const walk = createChangeChainWalk(head);
  const replay: { change: number; line: string }[] = [];
  for await (const entry of source.entries) {
    walk.add(entry);
    if (TABLE_ACTIONS.has(entry.action)) continue;
    // Unreadable details first, as for every other entry; else an action image-reviewer does not know.
    const target = changeTarget(entry);
    if ('problem' in target) replay.push({ change: entry.id, line: describeChange(entry, target.problem) });
  }
  const chain = walk.finish();
  const rows: string[] = [];
  for (const table of TABLES) {
    // Pushed one by one: a store with a million rows added by hand gives a million problems, past what a spread
    // call's arguments can hold.
    for await (const problem of mergeTable(table, source.changes(table), source.rows(table))) {
      if ('change' in problem) replay.push(problem);
      else rows.push(problem.row);
    }
  }
  replay.sort((x, y) => x.change - y.change);
  return { entries: chain.entries, chain: chain.problem, state: [...replay.map((p) => p.line), ...rows] };
}

/**
 * A row as the change log says it should be: the columns' values and the change that set each (`created` for the
 * columns of the change that created the row, `later` for those set since).
 */
interface ExpectedRow {
  readonly label: string;
  readonly values: Record<string, unknown>;
  readonly created: number;
  later: Record<string, number> | null;
}

/** The row a change sets, with the columns it sets. */
interface Target {
  readonly table: Table;
  readonly id: number;
  readonly create: boolean;
  readonly label: string;
  readonly fields: Record<string, unknown>;
}

type MergeProblem = { readonly change: number; readonly line: string } | { readonly row: string };

/** Merges one table's changes (ordered by row, then id) with its rows (ordered by id), one row at a time. */
async function* mergeTable(table: Table, changes: Rows<ChangeRecord>, rows: Rows<StoredRow>): AsyncGenerator<MergeProblem> {
  const unreplayable: MergeProblem[] = [];
  const pending = targetsOf(table, changes, (change, problem) => unreplayable.push({ change: change.id, line: describeChange(change, problem) }));
  const stored = Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : rows[Symbol.iterator]();
  try {
    yield* merged(table, pending, stored);
  } finally {
    // Closes both reads however the merge ended (an engine's statement or cursor must not stay open).
    await pending.return(undefined);
    await stored.return?.();
  }
  yield* unreplayable;
}

async function* merged(
  table: Table,
  pending: AsyncIterator<{ change: ChangeRecord; target: Target }>,
  stored: Iterator<StoredRow> | AsyncIterator<StoredRow>,
): AsyncGenerator<MergeProblem> {
  let next = await pending.next();
  let row = await stored.next();
  while (!next.done || !row.done) {
    const changeRow = next.done ? Infinity : next.value.target.id;
    const rowId = row.done ? Infinity : Number(row.value.id);
    if (rowId < changeRow) {
      yield { row: `${table} row ${rowId} is not in the change log (added outside image-reviewer)` };
      row = await stored.next();
      continue;
    }
    // Every change of this row, replayed in id order.
    let want: ExpectedRow | null = null;
    while (!next.done && next.value.target.id === changeRow) {
      const { change, target } = next.value;
      if (want === null) {
        if (target.create) want = { label: target.label, values: target.fields, created: change.id, later: null };
        else yield { change: change.id, line: describeChange(change, `changes ${table} row ${changeRow}, which no earlier change created`) };
      } else {
        want.later ??= {};
        for (const [column, value] of Object.entries(target.fields)) {
          want.values[column] = value;
          want.later[column] = change.id;
        }
      }
      next = await pending.next();
    }
    if (rowId > changeRow) {
      if (want !== null) yield { row: `${table} row ${changeRow} (${want.label}) is missing (deleted): the change log records it` };
      continue;
    }
    if (want === null) yield { row: `${table} row ${rowId} is not in the change log (added outside image-reviewer)` };
    else if (!row.done) {
      const difference = differences(want, row.value);
      if (difference !== null) yield { row: `${table} row ${rowId} (${want.label}) differs from the change log: ${difference}` };
    }
    row = await stored.next();
  }
}

/**
 * The changes of one table with the rows they name. One that cannot be replayed, or whose row sorts before the
 * previous one's (the engine's ORDER BY and the replay read its details differently), is passed to `unreplayable`
 * and left out.
 */
async function* targetsOf(
  table: Table,
  changes: Rows<ChangeRecord>,
  unreplayable: (change: ChangeRecord, problem: string) => void,
): AsyncGenerator<{ change: ChangeRecord; target: Target }> {
  let last = -Infinity;
  for await (const change of changes) {
    const target = changeTarget(change);
    if ('problem' in target) {
      unreplayable(change, target.problem);
      continue;
    }
    if (target.id < last) {
      unreplayable(change, `names its ${table} row in a way the store does not sort by (edited details?)`);
      continue;
    }
    last = target.id;
    yield { change, target };
  }
}

function differences(want: ExpectedRow, row: StoredRow): string | null {
  const diffs = Object.entries(want.values)
    .filter(([column, value]) => row[column] !== value)
    .map(([column, value]) => `${column} is ${show(column, row[column])} where the change log says ${show(column, value)} (change ${want.later?.[column] ?? want.created})`);
  return diffs.length === 0 ? null : diffs.join('; ');
}

function describeChange(change: ChangeRecord, problem: string): string {
  return `change ${change.id} (${change.action} ${change.subject}) ${problem}`;
}

/** The row a change sets and the columns it sets, or why it cannot be replayed. */
function changeTarget(change: ChangeRecord): Target | { readonly problem: string } {
  const details = parseDetails(change.details);
  if (details === null) return { problem: 'has unreadable details' };
  const target = (table: Table, id: unknown, label: string, fields: Record<string, unknown>, create: boolean): Target | { problem: string } =>
    typeof id === 'number' && Number.isSafeInteger(id) ? { table, id, create, label, fields } : { problem: 'does not name the row it changed' };
  const who = { time: change.time, actor: change.actor };
  const subjectId = Number(/:(\d+)$/.exec(change.subject)?.[1] ?? NaN);
  switch (change.action) {
    case 'approve': {
      const at = change.subject.lastIndexOf('@');
      return target('approvals', details.approvalId, change.subject, {
        repository: change.subject.slice(0, at), digest: change.subject.slice(at + 1), tag: details.tag ?? null,
        approved_by: who.actor, approved_at: who.time, reason: details.reason ?? null, expires_at: details.expiresAt ?? null,
        image_created_at: details.imageCreatedAt ?? null,
        signature: details.signature === undefined ? null : JSON.stringify(details.signature),
        revoked_at: null, revoked_by: null, revoke_reason: null,
      }, true);
    }
    case 'revoke':
      return target('approvals', details.approvalId, change.subject, { revoked_at: who.time, revoked_by: who.actor, revoke_reason: details.reason ?? null }, false);
    case 'exception-add':
      return target('cve_exceptions', subjectId, String(details.vulnerabilityId), {
        vuln_id: details.vulnerabilityId, repository: details.repository ?? null, expires_at: details.expiresAt,
        reason: details.reason, created_by: who.actor, created_at: who.time, removed_at: null, removed_by: null,
      }, true);
    case 'exception-remove':
      return target('cve_exceptions', subjectId, '', { removed_at: who.time, removed_by: who.actor }, false);
    case 'break-glass-grant':
      return target('break_glass_grants', subjectId, `namespace ${String(details.namespace)}, ticket ${String(details.ticket)}`, {
        namespace: details.namespace, ticket: details.ticket, expires_at: details.expiresAt, reason: details.reason ?? null,
        granted_by: who.actor, granted_at: who.time, revoked_at: null, revoked_by: null,
      }, true);
    case 'break-glass-revoke':
      return target('break_glass_grants', subjectId, '', { revoked_at: who.time, revoked_by: who.actor }, false);
    case 'scan-import':
      return target('scans', subjectId, `report sha256 ${String(details.reportSha256).slice(0, 12)}…`, scanFields(details, who), true);
    case 'registry-event':
      return target('registry_events', subjectId, `${String(details.type)} ${String(details.image)}`, registryEventFields(details, who), true);
    default:
      return { problem: 'has an action image-reviewer does not know' };
  }
}

/** A registry event row (migration 0006) as its change says it was stored: pending digests derive from these rows. */
function registryEventFields(details: Readonly<Record<string, unknown>>, who: { time: number }): Record<string, unknown> {
  const image = String(details.image);
  const at = image.lastIndexOf('@');
  return {
    source: details.source, event_key: details.key, type: details.type, kind: details.kind,
    repository: image.slice(0, at), digest: image.slice(at + 1), tag: details.tag ?? null, actor: details.actor ?? null,
    occurred_at: details.occurredAt, received_at: who.time, outcome: details.outcome, detail: details.detail ?? null,
  };
}

function scanFields(details: Readonly<Record<string, unknown>>, who: { time: number; actor: string }): Record<string, unknown> {
  const counts = isRecord(details.counts) ? details.counts : {};
  const targets = Array.isArray(details.targets) ? [...details.targets].map(String).sort() : details.targets;
  return {
    scanner: details.scanner, scanned_at: details.scannedAt, report_sha256: details.reportSha256,
    imported_at: who.time, imported_by: who.actor,
    critical: counts.CRITICAL, high: counts.HIGH, medium: counts.MEDIUM, low: counts.LOW, unknown: counts.UNKNOWN,
    // The findings themselves are what reviews read: their counts per severity must still be the report's.
    finding_counts: JSON.stringify([counts.CRITICAL, counts.HIGH, counts.MEDIUM, counts.LOW, counts.UNKNOWN]),
    targets: JSON.stringify(targets),
  };
}

function show(column: string, value: unknown): string {
  if (column.endsWith('_at') && typeof value === 'number') return new Date(value).toISOString();
  return value === undefined ? 'absent' : JSON.stringify(value);
}

function parseDetails(text: string | null): Readonly<Record<string, unknown>> | null {
  try {
    const value: unknown = JSON.parse(text ?? 'null');
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A scan's target (`repository@digest`) and its findings counted per severity, as each engine reads them. */
export interface ScanTargetRow {
  readonly scan_id: number;
  readonly target: string;
}
export interface FindingCountRow {
  readonly scan_id: number;
  readonly severity: string;
  readonly n: number;
}

/** SQL (both engines) for the rows `withScanReads` takes. */
export const SCAN_TARGET_ROWS = "SELECT scan_id, repository || '@' || digest AS target FROM scan_targets";
export const FINDING_COUNT_ROWS = 'SELECT scan_id, severity, count(*) AS n FROM findings GROUP BY 1, 2';

/**
 * Scans with what reviews read beside them: the digests they apply to and their findings' counts per severity. Each
 * source is read when the scans are (after the tables before them), one after the other.
 */
export function withScanReads(scans: Rows<StoredRow>, targetRows: Rows<ScanTargetRow>, countRows: Rows<FindingCountRow>): AsyncIterable<StoredRow> {
  return {
    async *[Symbol.asyncIterator]() {
      const targets = new Map<number, string[]>();
      for await (const t of targetRows) {
        const list = targets.get(t.scan_id);
        if (list === undefined) targets.set(t.scan_id, [t.target]);
        else list.push(t.target);
      }
      const counts = new Map<number, number[]>();
      for await (const f of countRows) {
        const row = counts.get(f.scan_id) ?? [0, 0, 0, 0, 0];
        const index = SEVERITY_INDEX[f.severity];
        if (index !== undefined) row[index] = f.n;
        counts.set(f.scan_id, row);
      }
      for await (const scan of scans) {
        const id = Number(scan.id);
        yield { ...scan, targets: JSON.stringify((targets.get(id) ?? []).sort()), finding_counts: JSON.stringify(counts.get(id) ?? [0, 0, 0, 0, 0]) };
      }
    },
  };
}

const SEVERITY_INDEX: Readonly<Record<string, number>> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3, UNKNOWN: 4 };
