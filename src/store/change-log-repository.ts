import type { ChangeChainProblem } from './change-chain';

// The operator change log as the service layer reads it, whatever the engine (async: see approvals-repository.ts).
// Entries are written only inside the repositories' own transactions, by one append function per engine
// (sqlite/change-log.ts `recordChange`), so a change and its chained entry are committed together or not at all.

/** The actions the change log records; a new source of changes (registry events, auto-approvals) adds its own. */
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

/** What a writer appends: the id and hash are the chain's to assign. */
export interface ChangeEntry {
  readonly time: number;
  readonly actor: string;
  readonly action: ChangeAction;
  /** What was changed: `repository@digest`, `scan:12`, `exception:3`, `break-glass-grant:4`, `registry-event:5`. */
  readonly subject: string;
  /** Everything the change set, so that the current approvals, exceptions and grants can be derived from the log. */
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

export interface ChangeFilter {
  /** Only entries at or after this time (epoch ms). */
  readonly since?: number;
  readonly actor?: string;
  /** Only entries about these subjects (`repository@digest`, …). */
  readonly subjects?: readonly string[];
}

export interface ChangeLogRepository {
  /** Entries matching the filter, oldest first. */
  list(filter: ChangeFilter): Promise<readonly ChangeRecord[]>;
  /**
   * `audit verify`: the chain (edited, deleted or added entries, the head), then whether the current approvals,
   * exceptions, grants and scans equal what the log says. Empty when all is well.
   */
  verify(): Promise<ChangeLogVerdict>;
}

export interface ChangeLogVerdict {
  /** Entries in the chain. */
  readonly entries: number;
  /** At most one: the first break in the chain. */
  readonly chain: ChangeChainProblem | null;
  /** One line per stored row that differs from the history. */
  readonly state: readonly string[];
}
