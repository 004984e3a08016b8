import type { EventKind, EventSource } from '../core/events/registry-event';

// Registry events as the service layer stores and reads them (SPEC §2 `/events/*`, §7 `approvals pending`), whatever
// the engine (async: see approvals-repository.ts).

/**
 * What was done with an event: `pending` (a push awaiting an operator), `auto-approved` (an `autoApprove` entry
 * matched), `already-approved`, `approval-kept` (a revoked or expired digest is never re-approved by a push, SPEC §4),
 * `scan-stored`, `scan-not-stored` (Harbor's scan failed or stopped, or its report could not be stored), `recorded`
 * (a deletion).
 */
export const EVENT_OUTCOMES = ['pending', 'auto-approved', 'already-approved', 'approval-kept', 'scan-stored', 'scan-not-stored', 'recorded'] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

export interface RecordEventInput {
  readonly source: EventSource;
  readonly key: string;
  readonly type: string;
  readonly kind: EventKind;
  readonly repository: string;
  readonly digest: string;
  readonly tag: string | null;
  readonly actor: string | null;
  readonly occurredAt: number;
  readonly outcome: EventOutcome;
  /** Why, in a few words (the scan id stored, the reason no scan was stored, the approval kept). */
  readonly detail: string | null;
  readonly now: number;
}

export interface RecordedEvent extends Omit<RecordEventInput, 'now'> {
  readonly id: number;
  readonly receivedAt: number;
}

/** A digest pushed and not approved since: the operator's inbox. */
export interface PendingDigest {
  readonly repository: string;
  readonly digest: string;
  readonly tag: string | null;
  readonly pushedBy: string | null;
  readonly pushedAt: number;
  readonly source: EventSource;
}

export interface RegistryEventsRepository {
  /** Whether an event with this key from this source is already stored (a redelivery). */
  seen(source: EventSource, key: string): Promise<boolean>;
  /** Stores the event with its change-log entry; null when the same event was stored meanwhile (nothing changed). */
  record(input: RecordEventInput): Promise<RecordedEvent | null>;
  /**
   * Digests whose newest push or delete event is a push and that have never been approved (an approval, a revocation
   * included, is the operator's decision), newest push first, narrowed by a repository glob.
   */
  pending(filter: { readonly repositoryGlob?: string }): Promise<readonly PendingDigest[]>;
  /** `repository@digest` → when it was deleted in the registry, for digests whose newest push or delete is a delete. */
  deletions(): Promise<ReadonlyMap<string, number>>;
}
