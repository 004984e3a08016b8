import type Database from 'better-sqlite3';
import type { ChangeLogVerdict } from '../change-log-repository';
import { type StoredChange, walkChangeChain } from '../change-chain';
import { type StoredRow, type StoredState, stateProblems } from '../change-state';
import { listChanges } from './change-log';

// `audit verify` for the change log on SQLite: the chain (change-chain.ts), then the stored approvals, exceptions,
// grants, scans and registry events against what the log says (change-state.ts), in one read transaction (a consistent snapshot
// while a CLI write may be committing).

export function verifyChangeLog(db: Database.Database): ChangeLogVerdict {
  return db.transaction((): ChangeLogVerdict => {
    const head = db.prepare<[], { change_id: number; hash: unknown }>('SELECT change_id, hash FROM change_log_head WHERE id = 1').get();
    const rows = db.prepare<[], StoredChange>('SELECT id, time, actor, action, subject, details, hash FROM change_log ORDER BY id').all();
    const walk = walkChangeChain(rows, head === undefined ? undefined : { changeId: head.change_id, hash: head.hash });
    return { entries: walk.entries, chain: walk.problem, state: stateProblems(listChanges(db), storedState(db)) };
  })();
}

function storedState(db: Database.Database): StoredState {
  const all = (table: string): StoredRow[] => db.prepare<[], StoredRow>(`SELECT * FROM ${table} ORDER BY id`).all();
  return { approvals: all('approvals'), cve_exceptions: all('cve_exceptions'), break_glass_grants: all('break_glass_grants'), scans: scanRows(db, all('scans')), registry_events: all('registry_events') };
}

/** Scans with what reviews read beside them: the digests they apply to and their findings' counts per severity. */
function scanRows(db: Database.Database, scans: readonly StoredRow[]): StoredRow[] {
  const targets = new Map<number, string[]>();
  for (const t of db.prepare<[], { scan_id: number; target: string }>("SELECT scan_id, repository || '@' || digest AS target FROM scan_targets").iterate()) {
    targets.set(t.scan_id, [...(targets.get(t.scan_id) ?? []), t.target]);
  }
  const counts = new Map<number, number[]>();
  const SEVERITY_INDEX: Readonly<Record<string, number>> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3, UNKNOWN: 4 };
  for (const f of db.prepare<[], { scan_id: number; severity: string; n: number }>('SELECT scan_id, severity, count(*) AS n FROM findings GROUP BY 1, 2').iterate()) {
    const row = counts.get(f.scan_id) ?? [0, 0, 0, 0, 0];
    const index = SEVERITY_INDEX[f.severity];
    if (index !== undefined) row[index] = f.n;
    counts.set(f.scan_id, row);
  }
  return scans.map((scan) => {
    const id = Number(scan.id);
    return { ...scan, targets: JSON.stringify((targets.get(id) ?? []).sort()), finding_counts: JSON.stringify(counts.get(id) ?? [0, 0, 0, 0, 0]) };
  });
}
