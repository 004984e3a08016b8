import type Database from 'better-sqlite3';
import { NotFoundError, StoreError } from '../../errors';
import type { GrantInput, GrantRecord, ListGrantsOptions, RevokeGrantInput } from '../grants-repository';
import { grantChange, grantRevokeChange } from '../change-entries';
import { GRANT_COLUMNS as COLUMNS, type GrantRecordRow as GrantRow, toGrantRecord } from '../record-rows';
import { recordChange } from './change-log';
import { writeTransaction } from '../write-transaction';

// Break-glass grants (SPEC §4, §7): with `breakGlass.requireGrant`, an annotation alone does not
// override a deny; an unexpired, unrevoked grant for the namespace and ticket must exist, so that
// whoever can annotate a pod cannot serve themselves. Revocation is recorded, never deleted.

export function grantBreakGlass(db: Database.Database, input: GrantInput): GrantRecord {
  return writeTransaction(db, (): GrantRecord => {
    const { lastInsertRowid } = db
      .prepare(
        `INSERT INTO break_glass_grants (namespace, ticket, expires_at, granted_by, granted_at, reason)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(input.namespace, input.ticket, input.expiresAt, input.by, input.now, input.reason);
    const id = Number(lastInsertRowid);
    recordChange(db, grantChange(input, id));
    return requireGrant(db, id, input.now);
  });
}

/** Revokes a grant; NotFoundError when there is no such grant or it is already revoked. */
export function revokeGrant(db: Database.Database, input: RevokeGrantInput): GrantRecord {
  return writeTransaction(db, (): GrantRecord => {
    const row = findRow(db, input.id);
    if (row === undefined) throw new NotFoundError(`no break-glass grant ${input.id}`);
    if (row.revoked_at !== null) {
      throw new NotFoundError(`break-glass grant ${input.id} was already revoked by ${row.revoked_by ?? 'unknown'}`);
    }
    db.prepare('UPDATE break_glass_grants SET revoked_at = ?, revoked_by = ? WHERE id = ?').run(
      input.now,
      input.by,
      input.id,
    );
    recordChange(db, grantRevokeChange(input, { namespace: row.namespace, ticket: row.ticket }));
    return requireGrant(db, input.id, input.now);
  });
}

/** Grants by id; only active ones unless `all`. */
export function listGrants(
  db: Database.Database,
  options: ListGrantsOptions,
): readonly GrantRecord[] {
  return db
    .prepare<[], GrantRow>(`SELECT ${COLUMNS} FROM break_glass_grants ORDER BY id`)
    .all()
    .map((row) => toGrantRecord(row, options.now))
    .filter((record) => options.all || record.status === 'active');
}

function findRow(db: Database.Database, id: number): GrantRow | undefined {
  return db.prepare<[number], GrantRow>(`SELECT ${COLUMNS} FROM break_glass_grants WHERE id = ?`).get(id);
}

function requireGrant(db: Database.Database, id: number, now: number): GrantRecord {
  const row = findRow(db, id);
  if (row === undefined) throw new StoreError(`break-glass grant ${id} vanished inside its own transaction`);
  return toGrantRecord(row, now);
}
