import type Database from 'better-sqlite3';
import { requireChangeHead } from '../change-chain';
import type { ChangeEntry, ChangeFilter, ChangeRecord } from '../change-log-repository';
import { changeHash } from '../change-hash';

// The one append function of the operator change log (SPEC §6). Repositories call `recordChange` inside the
// transaction that makes the change, so a change and its entry are committed together or not at all; every future
// source of changes (registry events, auto-approvals) appends the same way. Each entry is chained to the head
// (change-hash.ts); a head that is missing or does not name the newest entry is never rebuilt here: the change is
// refused until an operator has looked (`audit verify`), as the audit writer does for decisions.

interface HeadRow {
  readonly change_id: number;
  readonly hash: unknown;
}

interface LastRow {
  readonly id: number;
  readonly hash: unknown;
}

/** Appends one chained entry; call it inside the transaction that makes the change. Returns its id. */
export function recordChange(db: Database.Database, entry: ChangeEntry): number {
  const head = readChangeHead(db);
  const row = { id: head.changeId + 1, time: entry.time, actor: entry.actor, action: entry.action, subject: entry.subject, details: JSON.stringify(entry.details) };
  const hash = changeHash(head.hash, row);
  db.prepare('INSERT INTO change_log (id, time, actor, action, subject, details, hash) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    row.id, row.time, row.actor, row.action, row.subject, row.details, hash,
  );
  db.prepare('UPDATE change_log_head SET change_id = ?, hash = ? WHERE id = 1').run(row.id, hash);
  return row.id;
}

/** The head, checked against the newest entry; ChainHeadError when it is missing or does not name it. */
export function readChangeHead(db: Database.Database): { readonly changeId: number; readonly hash: Buffer } {
  const head = db.prepare<[], HeadRow>('SELECT change_id, hash FROM change_log_head WHERE id = 1').get();
  const last = db.prepare<[], LastRow>('SELECT id, hash FROM change_log ORDER BY id DESC LIMIT 1').get();
  return requireChangeHead(head, last);
}

/** The change log, oldest first, narrowed by `filter`. */
export function listChanges(db: Database.Database, filter: ChangeFilter = {}): readonly ChangeRecord[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.since !== undefined) {
    where.push('time >= ?');
    params.push(filter.since);
  }
  if (filter.actor !== undefined) {
    where.push('actor = ?');
    params.push(filter.actor);
  }
  if (filter.subjects !== undefined) {
    where.push(`subject IN (${filter.subjects.map(() => '?').join(', ') || 'NULL'})`);
    params.push(...filter.subjects);
  }
  const sql = `SELECT id, time, actor, action, subject, details FROM change_log${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
  return db.prepare<(string | number)[], ChangeRecord>(sql).all(...params);
}
