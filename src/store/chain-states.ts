import type Database from 'better-sqlite3';
import type { ChainState } from '../checkpoint/checkpoint';
import { GENESIS_HASH } from './audit-hash';
import { readChangeHead } from './sqlite/change-log';
import { HEAD_SQL, type HeadRow, LAST_SQL, type LastRow, chainHead } from './audit-batch';

// The chains a checkpoint covers, read from the store: `decisions` (the audit log) and `changes` (the operator change
// log, chained since migration 0005). A checkpoint lists each as {chain, count, head}.

export const DECISIONS_CHAIN = 'decisions';
export const CHANGES_CHAIN = 'changes';

const CHANGE_COUNT = 'SELECT count(*) FROM change_log';
// Entries chained by migration 0005 are chained as found and may skip ids: a chain's entry N is its N-th row.
const CHANGE_AT = 'SELECT hash FROM change_log ORDER BY id LIMIT 1 OFFSET ?';

/** Each chain's count and head; throws ChainHeadError when a head does not name the chain's newest entry. */
export function readChainStates(db: Database.Database): readonly ChainState[] {
  return db.transaction((): ChainState[] => {
    const head = chainHead(db.prepare<[], HeadRow>(HEAD_SQL).get(), db.prepare<[], LastRow>(LAST_SQL).get(), 0);
    return [{ chain: DECISIONS_CHAIN, count: head.id, head: head.hash.toString('hex') }, changesState(db)];
  })();
}

function changesState(db: Database.Database): ChainState {
  const head = readChangeHead(db);
  return { chain: CHANGES_CHAIN, count: db.prepare<[], number>(CHANGE_COUNT).pluck().get() ?? 0, head: head.hash.toString('hex') };
}

/** What `audit verify --checkpoints` compares a checkpoint with: a chain's stored entries. */
export interface StoredChains {
  /** Entries in the chain, or null when the store keeps no chain of that name. */
  length(chain: string): number | null;
  /** The hash (hex) of entry `count` (1-based; 0 is the chain's start), or null when there is none. */
  headAt(chain: string, count: number): string | null;
}

export function storedChains(db: Database.Database): StoredChains {
  const decisions = db.prepare<[], { n: number }>('SELECT ifnull(max(id), 0) AS n FROM decisions');
  const decisionAt = db.prepare<[number], { hash: unknown }>('SELECT hash FROM decisions WHERE id = ?');
  const changes = db.prepare<[], number>(CHANGE_COUNT).pluck();
  const changeAt = db.prepare<[number], { hash: unknown }>(CHANGE_AT);
  const hex = (row: { hash: unknown } | undefined): string | null =>
    row !== undefined && Buffer.isBuffer(row.hash) ? row.hash.toString('hex') : null;
  return {
    length: (chain) => {
      if (chain === DECISIONS_CHAIN) return decisions.get()?.n ?? 0;
      return chain === CHANGES_CHAIN ? (changes.get() ?? 0) : null;
    },
    headAt: (chain, count) => {
      if (chain !== DECISIONS_CHAIN && chain !== CHANGES_CHAIN) return null;
      if (count === 0) return GENESIS_HASH.toString('hex');
      return hex(chain === DECISIONS_CHAIN ? decisionAt.get(count) : changeAt.get(count - 1));
    },
  };
}
