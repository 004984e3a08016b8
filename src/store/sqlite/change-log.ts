import type Database from 'better-sqlite3';
import type { ChangeEntry, ChangeRecord } from '../change-entries';

// Every change made through the CLI is kept with actor and time (SPEC §6). Repositories call
// `recordChange` inside the same transaction as the change itself, so a change and its log row
// are committed together or not at all.

/** Appends one change-log row; call it inside the transaction that makes the change. */
export function recordChange(db: Database.Database, entry: ChangeEntry): number {
  const result = db
    .prepare<[number, string, string, string, string]>(
      'INSERT INTO change_log (time, actor, action, subject, details) VALUES (?, ?, ?, ?, ?)',
    )
    .run(entry.time, entry.actor, entry.action, entry.subject, JSON.stringify(entry.details));
  return Number(result.lastInsertRowid);
}

/** The change log, oldest first. */
export function listChanges(db: Database.Database): readonly ChangeRecord[] {
  return db
    .prepare<[], ChangeRecord>('SELECT id, time, actor, action, subject, details FROM change_log ORDER BY id')
    .all();
}
