import type Database from 'better-sqlite3';
import type { ChainState } from '../checkpoint/checkpoint';
import { GENESIS_HASH } from './audit-hash';
import { HEAD_SQL, type HeadRow, LAST_SQL, type LastRow, chainHead } from './audit-batch';

// The chains a checkpoint covers, read from the store. Today one: `decisions` (the audit log). The operator change
// log is not hash-chained yet; when it is, its state is added here and checkpoints carry it with no format change.

export const DECISIONS_CHAIN = 'decisions';

/** Each chain's count and head; throws ChainHeadError when the head does not name the newest entry. */
export function readChainStates(db: Database.Database): readonly ChainState[] {
  return db.transaction((): ChainState[] => {
    const head = chainHead(db.prepare<[], HeadRow>(HEAD_SQL).get(), db.prepare<[], LastRow>(LAST_SQL).get(), 0);
    return [{ chain: DECISIONS_CHAIN, count: head.id, head: head.hash.toString('hex') }];
  })();
}

/** What `audit verify --checkpoints` compares a checkpoint with: a chain's stored entries. */
export interface StoredChains {
  /** Entries in the chain, or null when the store keeps no chain of that name. */
  length(chain: string): number | null;
  /** The hash (hex) of entry `count` (1-based; 0 is the chain's start), or null when there is none. */
  headAt(chain: string, count: number): string | null;
}

export function storedChains(db: Database.Database): StoredChains {
  const length = db.prepare<[], { n: number }>('SELECT ifnull(max(id), 0) AS n FROM decisions');
  const hashAt = db.prepare<[number], { hash: unknown }>('SELECT hash FROM decisions WHERE id = ?');
  return {
    length: (chain) => (chain === DECISIONS_CHAIN ? (length.get()?.n ?? 0) : null),
    headAt: (chain, count) => {
      if (chain !== DECISIONS_CHAIN) return null;
      if (count === 0) return GENESIS_HASH.toString('hex');
      const row = hashAt.get(count);
      return row !== undefined && Buffer.isBuffer(row.hash) ? row.hash.toString('hex') : null;
    },
  };
}
