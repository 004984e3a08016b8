import { createHash } from 'node:crypto';
import type { ChangeRecord } from './change-log-repository';

// The operator change log's hash chain (SPEC §6), shared by every writer, migration 0005 (through the SQL function
// `change_hash`, see open-database.ts) and `audit verify`, so all of them hash exactly the same canonical form.
// Each entry's hash is sha256(previous hash || canonical entry); the head row names the newest entry, so an edit,
// a deletion in the middle and a deletion of the newest entries are all detected, as for decisions (audit-hash.ts).

/** One change-log entry as stored (`details` the JSON text the writer stored, or null). */
export type ChangeChainRow = ChangeRecord;

/** A JSON array in a fixed field order, version-tagged (see canonicalDecision for why). */
export function canonicalChange(row: ChangeChainRow): string {
  return JSON.stringify(['change/v1', row.id, row.time, row.actor, row.action, row.subject, row.details]);
}

export function changeHash(previous: Buffer, row: ChangeChainRow): Buffer {
  return createHash('sha256').update(previous).update(canonicalChange(row), 'utf8').digest();
}
