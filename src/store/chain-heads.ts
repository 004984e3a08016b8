import type Database from 'better-sqlite3';
import type { StoredChainHead } from './chain-walk';

// The heads of the audit chains as SQLite stores them (migration 0008: `audit_chains`, one row per writer, and row 1
// for the decisions recorded before writers were).

/** A row of `audit_chains`, as both engines read it. */
export interface ChainHeadColumns {
  readonly id: number;
  readonly writer: string | null;
  readonly cluster: string | null;
  readonly count: number;
  readonly hash: unknown;
}

const HEADS = 'SELECT id, writer, cluster, count, hash FROM audit_chains ORDER BY id';

export function readChainHeads(db: Database.Database): readonly StoredChainHead[] {
  return db.prepare<[], ChainHeadColumns>(HEADS).all().map(toHead);
}

export function toHead(row: ChainHeadColumns): StoredChainHead {
  return {
    id: row.id,
    identity: row.writer === null ? null : { writer: row.writer, cluster: row.cluster },
    count: row.count,
    hash: row.hash,
  };
}
