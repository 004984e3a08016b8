import type Database from 'better-sqlite3';
import type { ChangeLogVerdict } from '../change-log-repository';
import { type StoredChange, walkChangeChain } from '../change-chain';
import {
  FINDING_COUNT_ROWS,
  type FindingCountRow,
  SCAN_TARGET_ROWS,
  type ScanTargetRow,
  type StoredRow,
  type StoredState,
  stateProblems,
  withScanReads,
} from '../change-state';
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

/** Scans with the digests they apply to and their findings' counts per severity (change-state.ts). */
function scanRows(db: Database.Database, scans: readonly StoredRow[]): StoredRow[] {
  return withScanReads(scans, db.prepare<[], ScanTargetRow>(SCAN_TARGET_ROWS).iterate(), db.prepare<[], FindingCountRow>(FINDING_COUNT_ROWS).iterate());
}
