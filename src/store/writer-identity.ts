import { createHash } from 'node:crypto';
import os from 'node:os';
import { UsageError } from '../errors';
import { GENESIS_HASH } from './audit-hash';

// Who records a decision (SPEC §6, §7): one `serve` process, named by `--writer-name` (default: the host name, which
// Kubernetes sets to the pod's name) within the `--cluster` its deployment names. Each writer keeps its own audit
// chain (migration 0008), so replicas sharing one PostgreSQL store never wait on one head row; `audit` shows both.

export interface WriterIdentity {
  readonly writer: string;
  /** The deployment's cluster name, or null when none was set. */
  readonly cluster: string | null;
}

// A DNS subdomain (what a host or pod name is) or a label of one, case kept: no `/`, so chain names split plainly.
const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;

/** Checks `--writer-name` (default: the host name) and `--cluster`; UsageError naming the flag. */
export function writerIdentity(writer: string | undefined, cluster: string | undefined): WriterIdentity {
  const name = writer ?? os.hostname();
  if (!NAME.test(name)) {
    const hint = writer === undefined ? ` (the host name ${JSON.stringify(name)}; set --writer-name)` : '';
    throw new UsageError(`--writer-name must be letters, digits, '.', '_' or '-' (at most 253), not ${JSON.stringify(name)}${hint}`);
  }
  if (cluster !== undefined && !NAME.test(cluster)) {
    throw new UsageError(`--cluster must be letters, digits, '.', '_' or '-' (at most 253), not ${JSON.stringify(cluster)}`);
  }
  return { writer: name, cluster: cluster ?? null };
}

/** The writer a tool or test records as when none is given: this host, no cluster. */
export function defaultWriterIdentity(): WriterIdentity {
  return writerIdentity(undefined, undefined);
}

/** The chain recorded before writers were (migration 0008): no writer, checkpoint name `decisions`. */
export const LEGACY_CHAIN = 'decisions';

/** A chain's name in checkpoints and `audit verify`: `decisions/WRITER` or `decisions/CLUSTER/WRITER`. */
export function chainName(identity: WriterIdentity | null): string {
  if (identity === null) return LEGACY_CHAIN;
  return identity.cluster === null ? `${LEGACY_CHAIN}/${identity.writer}` : `${LEGACY_CHAIN}/${identity.cluster}/${identity.writer}`;
}

/**
 * The "previous hash" of a chain's first entry. A writer's chain starts from a hash of its identity, so its entries
 * verify only in the chain of that writer and cluster; the legacy chain starts from 32 zero bytes, as it always did.
 */
export function chainGenesis(identity: WriterIdentity | null): Buffer {
  if (identity === null) return GENESIS_HASH;
  return createHash('sha256').update(`image-reviewer decisions chain v1\n${JSON.stringify([identity.cluster, identity.writer])}`, 'utf8').digest();
}
