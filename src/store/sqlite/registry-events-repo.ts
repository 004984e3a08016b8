import type Database from 'better-sqlite3';
import { compileGlob } from '../../core/glob';
import { factsKey } from '../../core/image-ref';
import type { EventKind, EventSource } from '../../core/events/registry-event';
import { StoreError } from '../../errors';
import type { EventOutcome, PendingDigest, RecordEventInput, RecordedEvent } from '../registry-events-repository';
import { registryEventChange } from '../change-entries';
import { writeTransaction } from '../write-transaction';
import { recordChange } from './change-log';

// Registry events (migration 0006): append-only rows, each with its change-log entry in the same transaction
// (SPEC §6: a registry event is an operator change like any other). Pending digests are derived, never stored.

export interface EventRow {
  readonly id: number;
  readonly source: EventSource;
  readonly event_key: string;
  readonly type: string;
  readonly kind: EventKind;
  readonly repository: string;
  readonly digest: string;
  readonly tag: string | null;
  readonly actor: string | null;
  readonly occurred_at: number;
  readonly received_at: number;
  readonly outcome: EventOutcome;
  readonly detail: string | null;
}

export function eventSeen(db: Database.Database, source: EventSource, key: string): boolean {
  return db.prepare<[string, string], { readonly id: number }>('SELECT id FROM registry_events WHERE source = ? AND event_key = ?').get(source, key) !== undefined;
}

/** Stores the event and its change-log entry together; null when an event with the same key is already stored. */
export function recordEvent(db: Database.Database, input: RecordEventInput): RecordedEvent | null {
  return writeTransaction(db, (): RecordedEvent | null => {
    const { changes, lastInsertRowid } = db
      .prepare(
        `INSERT INTO registry_events (source, event_key, type, kind, repository, digest, tag, actor, occurred_at, received_at, outcome, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, event_key) DO NOTHING`,
      )
      .run(input.source, input.key, input.type, input.kind, input.repository, input.digest, input.tag, input.actor, input.occurredAt, input.now, input.outcome, input.detail);
    if (changes === 0) return null;
    const id = Number(lastInsertRowid);
    recordChange(db, registryEventChange(input, id));
    const row = db.prepare<[number], EventRow>('SELECT * FROM registry_events WHERE id = ?').get(id);
    if (row === undefined) throw new StoreError(`registry event ${id} vanished inside its own transaction`);
    return toRecorded(row);
  });
}

// The newest push or delete event per digest (by arrival), kept when it is a push (both engines' SQL).
export const NEWEST_PUSHES = `
  SELECT e.* FROM registry_events e
  WHERE e.kind = 'push'
    AND e.id = (SELECT MAX(n.id) FROM registry_events n WHERE n.repository = e.repository AND n.digest = e.digest AND n.kind IN ('push', 'delete'))`;

export function pendingDigests(db: Database.Database, repositoryGlob: string | undefined): readonly PendingDigest[] {
  const matches = repositoryGlob === undefined ? () => true : compileGlob(repositoryGlob);
  return db
    .prepare<[], EventRow>(
      `${NEWEST_PUSHES}
         AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.repository = e.repository AND a.digest = e.digest)
       ORDER BY e.occurred_at DESC, e.id DESC`,
    )
    .all()
    .filter((row) => matches(row.repository))
    .map((row) => ({ repository: row.repository, digest: row.digest, tag: row.tag, pushedBy: row.actor, pushedAt: row.occurred_at, source: row.source }));
}

export function deletedDigests(db: Database.Database): ReadonlyMap<string, number> {
  const rows = db
    .prepare<[], { readonly repository: string; readonly digest: string; readonly occurred_at: number }>(
      `SELECT e.repository, e.digest, e.occurred_at FROM registry_events e
       WHERE e.kind = 'delete'
         AND e.id = (SELECT MAX(n.id) FROM registry_events n WHERE n.repository = e.repository AND n.digest = e.digest AND n.kind IN ('push', 'delete'))`,
    )
    .all();
  return new Map(rows.map((row) => [factsKey(row.repository, row.digest), row.occurred_at]));
}

export function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    source: row.source,
    key: row.event_key,
    type: row.type,
    kind: row.kind,
    repository: row.repository,
    digest: row.digest,
    tag: row.tag,
    actor: row.actor,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    outcome: row.outcome,
    detail: row.detail,
  };
}
