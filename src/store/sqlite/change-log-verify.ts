import type Database from 'better-sqlite3';
import type { ChangeLogVerdict } from '../change-log-repository';
import type { StoredChange } from '../change-chain';
import { FINDING_COUNT_ROWS, type FindingCountRow, SCAN_TARGET_ROWS, type ScanTargetRow, type StoredRow, checkChangeLog, withScanReads } from '../change-state';

// `audit verify` for the change log on SQLite: the chain (change-chain.ts), then the stored approvals, exceptions,
// grants, scans and registry events against what the log says (change-state.ts), in one read transaction (a consistent snapshot
// while a CLI write may be committing).

export function verifyChangeLog(db: Database.Database): ChangeLogVerdict {
  return db.transaction((): ChangeLogVerdict => {
    const head = db.prepare<[], { change_id: number; hash: unknown }>('SELECT change_id, hash FROM change_log_head WHERE id = 1').get();
    // Every table is streamed, one after the other: only the replay's expected rows are held.
    const rows = <T>(sql: string): Iterable<T> => ({ [Symbol.iterator]: () => db.prepare<[], T>(sql).iterate() });
    const table = (name: string): Iterable<StoredRow> => rows(`SELECT * FROM ${name} ORDER BY id`);
    return checkChangeLog(rows<StoredChange>('SELECT id, time, actor, action, subject, details, hash FROM change_log ORDER BY id'), head && { changeId: head.change_id, hash: head.hash }, {
      approvals: table('approvals'),
      cve_exceptions: table('cve_exceptions'),
      break_glass_grants: table('break_glass_grants'),
      scans: withScanReads(table('scans'), rows<ScanTargetRow>(SCAN_TARGET_ROWS), rows<FindingCountRow>(FINDING_COUNT_ROWS)),
      registry_events: table('registry_events'),
    });
  })();
}
