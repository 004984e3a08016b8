import { type ChainRow, chainHash } from './audit-hash';
import { type WriterIdentity, chainGenesis, chainName } from './writer-identity';

// The audit chains checked entry by entry (SPEC §6, §7 `audit verify`), whatever the engine: the decisions are fed in
// id order, each to the chain of its writer (migration 0008). Within a chain, entries are numbered 1, 2, 3, … (`seq`;
// for the legacy chain, recorded before writers were, the id itself), so a gap is a deleted entry; each hash must
// continue the previous entry's of the same chain, so an edit shows; and each chain's head must name its newest entry,
// so deleting the newest entries shows too. A missing or mismatched head is reported, never rebuilt.

/** A chain's head row as stored: how many entries it records and the newest one's hash. */
export interface StoredChainHead {
  readonly id: number;
  /** null for the legacy chain. */
  readonly identity: WriterIdentity | null;
  readonly count: number;
  /** A BLOB as written; anything else (a hand-edited value) fails the comparison. */
  readonly hash: unknown;
}

/** One decision as stored, with its chain, its position in it (null in the legacy chain) and its stored hash. */
export interface ChainEntry {
  readonly row: ChainRow;
  readonly chainId: number;
  readonly seq: number | null;
  readonly hash: Buffer;
}

export interface ChainProblem {
  /** The first decision concerned: the edited one, or the first id a deleted entry could have had. */
  readonly firstBadId: number;
  readonly problem: string;
}

export interface ChainWalk {
  /** Checks the entry against its chain so far; the first problem stops the walk. */
  add(entry: ChainEntry): ChainProblem | null;
  /** After the last entry: each chain's head against its newest entry. */
  finish(): ChainProblem | null;
}

const EDITED = 'its hash does not match its contents (the decision, its images or its policy were edited)';

interface State {
  readonly head: StoredChainHead;
  readonly name: string;
  count: number;
  hash: Buffer;
  lastId: number;
  /** The decision at position head.count + 1, when the chain runs past its head. */
  pastHead: number | null;
}

export function createChainWalk(heads: readonly StoredChainHead[]): ChainWalk {
  const chains = new Map<number, State>();
  for (const head of heads) {
    chains.set(head.id, { head, name: chainName(head.identity), count: 0, hash: chainGenesis(head.identity), lastId: 0, pastHead: null });
  }
  return {
    add(entry) {
      const state = chains.get(entry.chainId);
      const id = entry.row.id;
      if (state === undefined) {
        return { firstBadId: id, problem: `it belongs to audit chain ${entry.chainId}, which has no head (audit_chains was edited)` };
      }
      const problem = positionProblem(state, entry);
      if (problem !== null) return problem;
      if (!chainHash(state.hash, entry.row).equals(entry.hash)) return { firstBadId: id, problem: EDITED };
      state.count += 1;
      state.hash = entry.hash;
      state.lastId = id;
      if (state.count === state.head.count + 1) state.pastHead = id;
      return null;
    },
    finish() {
      for (const state of chains.values()) {
        const problem = headProblem(state);
        if (problem !== null) return problem;
      }
      return null;
    },
  };
}

/** The entry must be its chain's next: the legacy chain's by id (assigned 1, 2, 3, …), a writer's by `seq`. */
function positionProblem(state: State, entry: ChainEntry): ChainProblem | null {
  const legacy = state.head.identity === null;
  const position = legacy ? entry.row.id : entry.seq;
  const expected = state.count + 1;
  if (position === expected && (entry.seq === null) === legacy) return null;
  const id = entry.row.id;
  if (position !== null && position > expected && (entry.seq === null) === legacy) {
    return { firstBadId: state.lastId + 1, problem: `${missing(state, expected, position - 1)} before decision ${id}` };
  }
  return { firstBadId: id, problem: `its position in ${describe(state)} was edited (entry ${String(position)} where ${expected} comes next)` };
}

function headProblem(state: State): ChainProblem | null {
  const { head } = state;
  if (head.count > state.count) {
    return {
      firstBadId: state.lastId + 1,
      problem: `${missing(state, state.count + 1, head.count)} (the head of ${describe(state)} records ${head.count} entries)`,
    };
  }
  if (head.count < state.count) {
    return {
      firstBadId: state.pastHead ?? state.lastId,
      problem: `it was added after the head of ${describe(state)} (which records ${head.count} entries)`,
    };
  }
  if (!Buffer.isBuffer(head.hash) || !head.hash.equals(state.hash)) {
    return { firstBadId: state.lastId, problem: `its hash does not match the head of ${describe(state)} (audit_chains was edited)` };
  }
  return null;
}

function describe(state: State): string {
  return `the audit chain ${state.name}`;
}

function missing(state: State, from: number, to: number): string {
  // The legacy chain's entries are its ids; a writer's are positions in its chain.
  if (state.head.identity === null) {
    return from === to ? `decision ${from} is missing (deleted)` : `decisions ${from}–${to} are missing (deleted)`;
  }
  const what = from === to ? `entry ${from} of` : `entries ${from}–${to} of`;
  return `${what} ${describe(state)} ${from === to ? 'is' : 'are'} missing (deleted)`;
}
