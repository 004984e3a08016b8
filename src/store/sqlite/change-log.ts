import type Database from 'better-sqlite3';

// Every change made through the CLI is kept with actor and time (SPEC §6). Repositories call
// `recordChange` inside the same transaction as the change itself, so a change and its log row
// are committed together or not at all.

export const CHANGE_ACTIONS = [
  'approve',
  'revoke',
  'scan-import',
  'exception-add',
  'exception-remove',
  'break-glass-grant',
  'break-glass-revoke',
  'registry-event',
] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface ChangeEntry {
  readonly time: number;
  readonly actor: string;
  readonly action: ChangeAction;
  /** What was changed: `repository@digest`, `scan:12`, `exception:3`, `break-glass-grant:4`, `registry-event:5`. */
  readonly subject: string;
  readonly details: Readonly<Record<string, JsonValue>>;
}

export interface ChangeRecord {
  readonly id: number;
  readonly time: number;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  /** The details as stored (JSON text), or null. */
  readonly details: string | null;
}

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
