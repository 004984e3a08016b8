import type Database from 'better-sqlite3';
import type { ChainState } from '../checkpoint/checkpoint';
import { GENESIS_HASH } from './audit-hash';
import { readChangeHead } from './sqlite/change-log';
import { CHAIN_LAST_SQL, ChainHeadError, type LastEntryRow, checkedHead } from './audit-batch';
import { readChainHeads } from './chain-heads';
import type { StoredChainHead } from './chain-walk';
import { chainGenesis, chainName } from './writer-identity';

// The chains a checkpoint covers, read from the store: each writer's audit chain (`decisions/WRITER`, migration 0008),
// the decisions recorded before writers were (`decisions`), and `changes` (the operator change log, chained since
// migration 0005). A checkpoint lists each as {chain, count, head}.

export const CHANGES_CHAIN = 'changes';

const CHANGE_COUNT = 'SELECT count(*) FROM change_log';
// Entries chained by migration 0005 are chained as found and may skip ids: a chain's entry N is its N-th row.
const CHANGE_AT = 'SELECT hash FROM change_log ORDER BY id LIMIT 1 OFFSET ?';

/** Each chain's count and head; throws ChainHeadError when a head does not name the chain's newest entry. */
export function readChainStates(db: Database.Database): readonly ChainState[] {
  return db.transaction((): ChainState[] => {
    const last = db.prepare<[number], LastEntryRow>(CHAIN_LAST_SQL);
    const legacyLast = db.prepare<[number], LastEntryRow>(LEGACY_LAST_SQL);
    const decisions = checkpointedHeads(readChainHeads(db)).map((head) =>
      chainState(head, head.identity === null ? legacyLast.get(head.count) : last.get(head.id)),
    );
    const changes = readChangeHead(db);
    return [...decisions, changesState(db.prepare<[], number>(CHANGE_COUNT).pluck().get() ?? 0, changes.hash)];
  })();
}

/** The newest entry of the chain recorded before writers were (migration 0008): its entry N is decision N. */
export const LEGACY_LAST_SQL = 'SELECT id, id AS seq, hash FROM decisions WHERE id = ? AND chain_id = 1';

/** The chain recorded before writers were (migration 0008) never grows: it is left out when it is empty. */
export function checkpointedHeads(heads: readonly StoredChainHead[]): readonly StoredChainHead[] {
  return heads.filter((head) => head.identity !== null || head.count > 0);
}

/** A chain's state for a checkpoint, once its head is checked against its newest entry (either engine). */
export function chainState(head: StoredChainHead, newest: LastEntryRow | undefined): ChainState {
  const name = chainName(head.identity);
  if (!Buffer.isBuffer(head.hash)) throw headUnreadable(name);
  const { count, hash } = checkedHead(name, { id: head.id, count: head.count, hash: head.hash }, newest, 0);
  return { chain: name, count, head: hash.toString('hex') };
}

function headUnreadable(name: string): ChainHeadError {
  return new ChainHeadError(`the head of the audit chain ${name} is unreadable (audit_chains was edited)`);
}

/** The change log's state for a checkpoint: its entries and the head its checked head row names. */
export function changesState(count: number, head: Buffer): ChainState {
  return { chain: CHANGES_CHAIN, count, head: head.toString('hex') };
}

/** An entry of a chain, by the chain's name and its position (1-based; 0 is the chain's start). */
export interface ChainEntry {
  readonly chain: string;
  readonly count: number;
}

/** What `audit verify --checkpoints` compares a checkpoint with: a chain's stored entries. */
export interface StoredChains {
  /** Entries in the chain, or null when the store keeps no chain of that name. */
  length(chain: string): number | null;
  /** The hash (hex) of entry `count` (1-based; 0 is the chain's start), or null when there is none (or it was not asked for). */
  headAt(chain: string, count: number): string | null;
}

/**
 * The chains as `audit verify --checkpoints` compares them, once `audit verify` found each consistent with its head:
 * a chain's length is its head's count; entry N is found by position (`seq`), or by id in the legacy chain.
 */
export function storedChains(db: Database.Database): StoredChains {
  const heads = new Map<string, StoredChainHead>(readChainHeads(db).map((h) => [chainName(h.identity), h]));
  const entryAt = db.prepare<[number, number], { hash: unknown }>('SELECT hash FROM decisions WHERE chain_id = ? AND seq = ?');
  const legacyAt = db.prepare<[number], { hash: unknown }>('SELECT hash FROM decisions WHERE id = ? AND chain_id = 1');
  const changes = db.prepare<[], number>(CHANGE_COUNT).pluck();
  const changeAt = db.prepare<[number], { hash: unknown }>(CHANGE_AT);
  const hex = (row: { hash: unknown } | undefined): string | null =>
    row !== undefined && Buffer.isBuffer(row.hash) ? row.hash.toString('hex') : null;
  return {
    length: (chain) => {
      if (chain === CHANGES_CHAIN) return changes.get() ?? 0;
      return heads.get(chain)?.count ?? null;
    },
    headAt: (chain, count) => {
      if (chain === CHANGES_CHAIN) return count === 0 ? GENESIS_HASH.toString('hex') : hex(changeAt.get(count - 1));
      const head = heads.get(chain);
      if (head === undefined) return null;
      if (count === 0) return chainGenesis(head.identity).toString('hex');
      return hex(head.identity === null ? legacyAt.get(count) : entryAt.get(head.id, count));
    },
  };
}
