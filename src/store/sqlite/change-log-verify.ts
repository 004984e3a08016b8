import type Database from 'better-sqlite3';
import type { ChangeLogVerdict, ChangeRecord } from '../change-log-repository';
import type { StoredChange } from '../change-chain';
import {
  CHANGE_ACTIONS,
  CHANGE_ORDER,
  FINDING_COUNT_ROWS,
  type FindingCountRow,
  SCAN_TARGET_ROWS,
  type ScanTargetRow,
  type StoredRow,
  type Table,
  checkChangeLog,
  withScanReads,
} from '../change-state';

// `audit verify` for the change log on SQLite: the chain (change-chain.ts), then the stored approvals, exceptions,
// grants, scans and registry events against what the log says (change-state.ts), in one read transaction (a
// consistent snapshot while a CLI write may be committing). Every read is a stream, the change log sorted by the row
// each change names beside the table in id order, so memory stays flat however many approvals there are.

/** The row a change names, as change-state.ts's replay reads it (json_extract of invalid JSON would fail the query). */
const ROW_OF: Readonly<Record<(typeof CHANGE_ORDER)[Table], string>> = {
  'approval-id': "CASE WHEN json_valid(details) THEN json_extract(details, '$.approvalId') END",
  'subject-id': "CAST(substr(subject, length(rtrim(subject, '0123456789')) + 1) AS INTEGER)",
};

export async function verifyChangeLog(db: Database.Database): Promise<ChangeLogVerdict> {
  // One read transaction across the whole check (better-sqlite3's transaction() takes no async function): a
  // consistent snapshot while a CLI write may be committing.
  db.exec('BEGIN');
  try {
    const head = db.prepare<[], { change_id: number; hash: unknown }>('SELECT change_id, hash FROM change_log_head WHERE id = 1').get();
    const rows = <T>(sql: string, params: readonly string[] = []): Iterable<T> => ({
      [Symbol.iterator]: () => db.prepare<string[], T>(sql).iterate(...params),
    });
    const table = (name: Table): Iterable<StoredRow> => rows(`SELECT * FROM ${name} ORDER BY id`);
    return await checkChangeLog(
      {
        entries: rows<StoredChange>('SELECT id, time, actor, action, subject, details, hash FROM change_log ORDER BY id'),
        changes: (name) => {
          const actions = CHANGE_ACTIONS[name];
          return rows<ChangeRecord>(
            `SELECT id, time, actor, action, subject, details FROM change_log WHERE action IN (${actions.map(() => '?').join(', ')})
             ORDER BY ${ROW_OF[CHANGE_ORDER[name]]}, id`,
            actions,
          );
        },
        rows: (name) => (name === 'scans' ? withScanReads(table('scans'), rows<ScanTargetRow>(SCAN_TARGET_ROWS), rows<FindingCountRow>(FINDING_COUNT_ROWS)) : table(name)),
      },
      head && { changeId: head.change_id, hash: head.hash },
    );
  } finally {
    db.exec('COMMIT');
  }
}
