import { type ChangeHead, type StoredChange, createChangeChainWalk } from './change-chain';
import type { ChangeLogVerdict, ChangeRecord } from './change-log-repository';

// SPEC §6: "the current approvals, exceptions and grants must equal what that history says". Replays the change
// log into the rows it implies and compares them with the stored rows, column by column, so a row edited, added or
// removed outside image-reviewer (a revoked digest silently approved again by an UPDATE of `approvals`) is named.
// Pure over rows read by the engine (column names as in the schema), so every engine checks the same way.

/** A stored row by column name; scans also carry `targets` and `finding_counts` (see withScanReads). */
export type StoredRow = Readonly<Record<string, unknown>>;

/**
 * The stored rows of each table in id order, read once each, one table after the other (an engine may stream them:
 * a store of a million approvals is compared without holding them).
 */
export interface StoredState {
  readonly approvals: Iterable<StoredRow>;
  readonly cve_exceptions: Iterable<StoredRow>;
  readonly break_glass_grants: Iterable<StoredRow>;
  readonly scans: Iterable<StoredRow>;
  readonly registry_events: Iterable<StoredRow>;
}

type Table = keyof StoredState;
const TABLES: readonly Table[] = ['approvals', 'cve_exceptions', 'break_glass_grants', 'scans', 'registry_events'];

/**
 * A row as the change log says it should be: the columns' values and the change that set each (`created` for the
 * columns of the change that created the row, `later` for those set since). Kept small, since `audit verify` holds
 * one per approval: plain objects of one shape rather than a map per row.
 */
interface ExpectedRow {
  readonly label: string;
  readonly values: Record<string, unknown>;
  readonly created: number;
  later: Record<string, number> | null;
}

type Expected = Record<Table, Map<number, ExpectedRow>>;

/**
 * `audit verify` of the change log, whatever the engine: the chain (change-chain.ts) and the replay read from one
 * pass over the entries in id order, then the stored state compared with the replay.
 */
export function checkChangeLog(entries: Iterable<StoredChange>, head: ChangeHead | undefined, stored: StoredState): ChangeLogVerdict {
  const walk = createChangeChainWalk(head);
  const state = createStateCheck();
  for (const entry of entries) {
    walk.add(entry);
    state.add(entry);
  }
  const chain = walk.finish();
  return { entries: chain.entries, chain: chain.problem, state: state.problems(stored) };
}

/** Replays changes (in id order), then names each stored row that differs from the replay and each change it could not replay. */
function createStateCheck() {
  const expected: Expected = { approvals: new Map(), cve_exceptions: new Map(), break_glass_grants: new Map(), scans: new Map(), registry_events: new Map() };
  const problems: string[] = [];
  return {
    add(change: ChangeRecord): void {
      const problem = replay(expected, change);
      if (problem !== null) problems.push(`change ${change.id} (${change.action} ${change.subject}) ${problem}`);
    },
    /** One line per stored row that differs from the change log, and per change the log cannot be replayed from. */
    problems(stored: StoredState): string[] {
      // Appended one by one: a store with a million rows added by hand gives a million problems, past what a
      // spread call's arguments can hold.
      for (const table of TABLES) for (const problem of compare(table, expected[table], stored[table])) problems.push(problem);
      return problems;
    },
  };
}

function replay(expected: Expected, change: ChangeRecord): string | null {
  const details = parseDetails(change.details);
  if (details === null) return 'has unreadable details';
  const set = (table: Table, id: unknown, label: string, fields: Record<string, unknown>, create: boolean): string | null => {
    if (typeof id !== 'number') return 'does not name the row it changed';
    const row = expected[table].get(id);
    if (row === undefined) {
      if (!create) return `changes ${table} row ${id}, which no earlier change created`;
      expected[table].set(id, { label, values: fields, created: change.id, later: null });
      return null;
    }
    row.later ??= {};
    for (const [column, value] of Object.entries(fields)) {
      row.values[column] = value;
      row.later[column] = change.id;
    }
    return null;
  };
  const who = { time: change.time, actor: change.actor };
  const subjectId = Number(/:(\d+)$/.exec(change.subject)?.[1] ?? NaN);
  switch (change.action) {
    case 'approve': {
      const at = change.subject.lastIndexOf('@');
      return set('approvals', details.approvalId, change.subject, {
        repository: change.subject.slice(0, at), digest: change.subject.slice(at + 1), tag: details.tag ?? null,
        approved_by: who.actor, approved_at: who.time, reason: details.reason ?? null, expires_at: details.expiresAt ?? null,
        image_created_at: details.imageCreatedAt ?? null,
        signature: details.signature === undefined ? null : JSON.stringify(details.signature),
        revoked_at: null, revoked_by: null, revoke_reason: null,
      }, true);
    }
    case 'revoke':
      return set('approvals', details.approvalId, change.subject, { revoked_at: who.time, revoked_by: who.actor, revoke_reason: details.reason ?? null }, false);
    case 'exception-add':
      return set('cve_exceptions', subjectId, String(details.vulnerabilityId), {
        vuln_id: details.vulnerabilityId, repository: details.repository ?? null, expires_at: details.expiresAt,
        reason: details.reason, created_by: who.actor, created_at: who.time, removed_at: null, removed_by: null,
      }, true);
    case 'exception-remove':
      return set('cve_exceptions', subjectId, '', { removed_at: who.time, removed_by: who.actor }, false);
    case 'break-glass-grant':
      return set('break_glass_grants', subjectId, `namespace ${String(details.namespace)}, ticket ${String(details.ticket)}`, {
        namespace: details.namespace, ticket: details.ticket, expires_at: details.expiresAt, reason: details.reason ?? null,
        granted_by: who.actor, granted_at: who.time, revoked_at: null, revoked_by: null,
      }, true);
    case 'break-glass-revoke':
      return set('break_glass_grants', subjectId, '', { revoked_at: who.time, revoked_by: who.actor }, false);
    case 'scan-import':
      return set('scans', subjectId, `report sha256 ${String(details.reportSha256).slice(0, 12)}…`, scanFields(details, who), true);
    case 'registry-event':
      return set('registry_events', subjectId, `${String(details.type)} ${String(details.image)}`, registryEventFields(details, who), true);
    default:
      return 'has an action image-reviewer does not know';
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

function* compare(table: Table, expected: ReadonlyMap<number, ExpectedRow>, rows: Iterable<StoredRow>): Generator<string> {
  const seen = new Set<number>();
  for (const row of rows) {
    const id = Number(row.id);
    seen.add(id);
    const want = expected.get(id);
    if (want === undefined) {
      yield `${table} row ${id} is not in the change log (added outside image-reviewer)`;
      continue;
    }
    const diffs = Object.entries(want.values)
      .filter(([column, value]) => row[column] !== value)
      .map(([column, value]) => `${column} is ${show(column, row[column])} where the change log says ${show(column, value)} (change ${want.later?.[column] ?? want.created})`);
    if (diffs.length > 0) yield `${table} row ${id} (${want.label}) differs from the change log: ${diffs.join('; ')}`;
  }
  for (const [id, want] of expected) {
    if (!seen.has(id)) yield `${table} row ${id} (${want.label}) is missing (deleted): the change log records it`;
  }
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
export function withScanReads(
  scans: Iterable<StoredRow>,
  targetRows: Iterable<ScanTargetRow>,
  countRows: Iterable<FindingCountRow>,
): Iterable<StoredRow> {
  return {
    *[Symbol.iterator]() {
      const targets = new Map<number, string[]>();
      for (const t of targetRows) {
        const list = targets.get(t.scan_id);
        if (list === undefined) targets.set(t.scan_id, [t.target]);
        else list.push(t.target);
      }
      const counts = new Map<number, number[]>();
      for (const f of countRows) {
        const row = counts.get(f.scan_id) ?? [0, 0, 0, 0, 0];
        const index = SEVERITY_INDEX[f.severity];
        if (index !== undefined) row[index] = f.n;
        counts.set(f.scan_id, row);
      }
      for (const scan of scans) {
        const id = Number(scan.id);
        yield { ...scan, targets: JSON.stringify((targets.get(id) ?? []).sort()), finding_counts: JSON.stringify(counts.get(id) ?? [0, 0, 0, 0, 0]) };
      }
    },
  };
}

const SEVERITY_INDEX: Readonly<Record<string, number>> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3, UNKNOWN: 4 };
