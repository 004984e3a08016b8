import type Database from 'better-sqlite3';
import { NotFoundError, StoreError } from '../../errors';
import type {
  AddExceptionInput,
  ExceptionRecord,
  ListExceptionsOptions,
  RemoveExceptionInput,
} from '../exceptions-repository';
import { exceptionAddChange, exceptionRemoveChange } from '../change-entries';
import { EXCEPTION_COLUMNS as COLUMNS, type ExceptionRecordRow, toExceptionRecord } from '../record-rows';
import { recordChange } from './change-log';
import { writeTransaction } from '../write-transaction';

// CVE exceptions (SPEC §7 `exception`): findings with the ID are not counted while the exception is
// active. Removal is recorded on the row, never deleted, so the audit trail can say why a digest passed.

export function addException(db: Database.Database, input: AddExceptionInput): ExceptionRecord {
  return writeTransaction(db, (): ExceptionRecord => {
    const { lastInsertRowid } = db
      .prepare(
        `INSERT INTO cve_exceptions (vuln_id, repository, expires_at, reason, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(input.vulnerabilityId, input.repository, input.expiresAt, input.reason, input.by, input.now);
    const id = Number(lastInsertRowid);
    recordChange(db, exceptionAddChange(input, id));
    return requireException(db, id, input.now);
  });
}

/** Marks an exception removed; NotFoundError when there is no such exception or it is already removed. */
export function removeException(db: Database.Database, input: RemoveExceptionInput): ExceptionRecord {
  return writeTransaction(db, (): ExceptionRecord => {
    const row = findRow(db, input.id);
    if (row === undefined) throw new NotFoundError(`no exception ${input.id}`);
    if (row.removed_at !== null) {
      throw new NotFoundError(`exception ${input.id} was already removed by ${row.removed_by ?? 'unknown'}`);
    }
    db.prepare('UPDATE cve_exceptions SET removed_at = ?, removed_by = ? WHERE id = ?').run(input.now, input.by, input.id);
    recordChange(db, exceptionRemoveChange(input, { vulnerabilityId: row.vuln_id, repository: row.repository }));
    return requireException(db, input.id, input.now);
  });
}

/** Exceptions by id; only active ones unless `all`. */
export function listExceptions(
  db: Database.Database,
  options: ListExceptionsOptions,
): readonly ExceptionRecord[] {
  return db
    .prepare<[], ExceptionRecordRow>(`SELECT ${COLUMNS} FROM cve_exceptions ORDER BY id`)
    .all()
    .map((row) => toExceptionRecord(row, options.now))
    .filter((record) => options.all || record.status === 'active');
}

function findRow(db: Database.Database, id: number): ExceptionRecordRow | undefined {
  return db.prepare<[number], ExceptionRecordRow>(`SELECT ${COLUMNS} FROM cve_exceptions WHERE id = ?`).get(id);
}

function requireException(db: Database.Database, id: number, now: number): ExceptionRecord {
  const row = findRow(db, id);
  if (row === undefined) throw new StoreError(`exception ${id} vanished inside its own transaction`);
  return toExceptionRecord(row, now);
}
