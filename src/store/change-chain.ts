import { GENESIS_HASH } from './audit-hash';
import { ChainHeadError } from './audit-batch';
import { type ChangeChainRow, changeHash } from './change-hash';

// Walks the change log's chain (SPEC §6) in id order with the writers' own canonical form (change-hash.ts): an entry
// whose hash does not follow from the previous one was edited, or entries before it were deleted; the head row
// names the newest entry, so deleting the newest entries, or adding one outside image-reviewer, is detected too.
// Pure over the rows, so every engine walks the same way.

/** A stored entry: `hash` as read (a BLOB as written; anything else fails the comparison). */
export interface StoredChange extends ChangeChainRow {
  readonly hash: unknown;
}

export interface ChangeHead {
  readonly changeId: number;
  readonly hash: unknown;
}

export interface ChangeChainProblem {
  /** The first entry concerned. */
  readonly changeId: number;
  readonly problem: string;
}

export interface ChangeChainWalk {
  /** Entries that follow the chain, up to the first problem. */
  readonly entries: number;
  readonly problem: ChangeChainProblem | null;
}

/** Fed the entries in id order, one at a time, so `audit verify` reads the log once for the chain and the replay. */
export function createChangeChainWalk(head: ChangeHead | undefined): { add(row: StoredChange): void; finish(): ChangeChainWalk } {
  let previous = { id: 0, hash: GENESIS_HASH };
  let entries = 0;
  let problem: ChangeChainProblem | null = null;
  return {
    /** Entries after the first break change nothing. */
    add(row) {
      if (problem !== null) return;
      const hash = Buffer.isBuffer(row.hash) ? row.hash : Buffer.alloc(0);
      if (!changeHash(previous.hash, row).equals(hash)) {
        // Entries chained by migration 0005 may skip ids (chained as found); a gap matters only when the link breaks.
        problem = row.id > previous.id + 1
          ? { changeId: previous.id + 1, problem: `${missing(previous.id + 1, row.id - 1)} before change ${row.id}, or change ${row.id} was edited` }
          : { changeId: row.id, problem: 'its hash does not match its contents (the entry was edited)' };
        return;
      }
      previous = { id: row.id, hash };
      entries += 1;
    },
    finish: () => ({ entries, problem: problem ?? headProblem(head, previous) }),
  };
}

function headProblem(head: ChangeHead | undefined, last: { id: number; hash: Buffer }): ChangeChainProblem | null {
  if (head === undefined) return { changeId: last.id, problem: 'the change log head is missing (change_log_head was edited)' };
  if (head.changeId > last.id) {
    return { changeId: last.id + 1, problem: `${missing(last.id + 1, head.changeId)} (the change log head records change ${head.changeId})` };
  }
  if (head.changeId < last.id) {
    return { changeId: head.changeId + 1, problem: `it was added after the change log head (change ${head.changeId})` };
  }
  if (!Buffer.isBuffer(head.hash) || !head.hash.equals(last.hash)) {
    return { changeId: last.id, problem: 'its hash does not match the change log head (change_log_head was edited)' };
  }
  return null;
}

function missing(from: number, to: number): string {
  return from === to ? `change ${from} is missing (deleted)` : `changes ${from}–${to} are missing (deleted)`;
}

const REFUSE = 'refusing to record changes until an operator checks the store (audit verify)';

/**
 * The head a writer chains the next entry to, from the head row and the newest entry as read (either may be absent):
 * ChainHeadError when the head is missing or does not name the newest entry. Never rebuilt here (SPEC §6).
 */
export function requireChangeHead(
  head: { readonly change_id: number; readonly hash: unknown } | undefined,
  last: { readonly id: number; readonly hash: unknown } | undefined,
): { readonly changeId: number; readonly hash: Buffer } {
  if (head === undefined || !Buffer.isBuffer(head.hash)) {
    throw new ChainHeadError(`the change log head is missing or unreadable: ${REFUSE}`);
  }
  const lastHash = last === undefined ? GENESIS_HASH : last.hash;
  if (head.change_id !== (last?.id ?? 0) || !Buffer.isBuffer(lastHash) || !lastHash.equals(head.hash)) {
    throw new ChainHeadError(`the change log head does not name its newest entry (entries deleted or edited): ${REFUSE}`);
  }
  return { changeId: head.change_id, hash: head.hash };
}
