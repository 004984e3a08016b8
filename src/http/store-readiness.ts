import { errorMessage } from '../errors';
import type { SnapshotReader } from '../store/snapshot-reader';
import type { AuditWriter } from '../store/audit-log';
import type { Readiness } from './health-routes';

export interface StoreReadinessDeps {
  readonly reader: SnapshotReader;
  /** Migrations this code knows that the store has not applied (a replica older than `migrate` is fine; newer is not). */
  readonly pendingMigrations: () => number | Promise<number>;
  readonly audit: Pick<AuditWriter, 'health' | 'probe'>;
  readonly clock: () => number;
  /** Why the store path no longer names the file opened (deleted or replaced), or null (store-identity.ts). */
  readonly identityProblem?: () => string | null;
  /** A store not committed to for this long is probed with a real (empty) commit. */
  readonly probeAfterMs?: number;
  /** How long `/readyz` waits for that commit (kubelet's probe timeout defaults to 1 s). */
  readonly probeTimeoutMs?: number;
  /** Not ready for this long after a review's commit failed, whatever a probe says (see below). */
  readonly failureHoldMs?: number;
}

/**
 * `/readyz` (SPEC §2): ready only when a review could be decided and recorded right now — the store is
 * readable, its migrations are all applied, and a commit has succeeded recently. After a failed commit,
 * or when nothing was committed for a while (an idle server whose disk has filled), a real commit is
 * tried first, so readiness comes back on its own when the fault clears, without a review having to fail.
 * A probe writes one page; a nearly full disk can take that while a decision's several pages fail. So after
 * a review's commit failed, the server stays not ready for `failureHoldMs` even if probes pass: at worst it
 * alternates between serving and resting, instead of claiming readiness while every review fails.
 */
export function createStoreReadiness(deps: StoreReadinessDeps): () => Promise<Readiness> {
  const probeAfterMs = deps.probeAfterMs ?? 5_000;
  const probeTimeoutMs = deps.probeTimeoutMs ?? 800;
  const failureHoldMs = deps.failureHoldMs ?? 5_000;
  return async () => {
    const problems: string[] = [];
    const replaced = deps.identityProblem?.() ?? null;
    if (replaced !== null) problems.push(replaced);
    try {
      await deps.reader.check();
      const pending = await deps.pendingMigrations();
      if (pending > 0) problems.push(`${pending} migration(s) not applied`);
    } catch (err) {
      problems.push(errorMessage(err));
    }
    let health = deps.audit.health();
    const now = deps.clock();
    // A commit already waiting longer than a probe may is as telling as a failed one (a held write lock).
    const stalled = health.busySince !== null && now - health.busySince > probeTimeoutMs;
    if (!stalled && (!health.writable || health.lastOkAt === null || now - health.lastOkAt > probeAfterMs)) {
      health = await deps.audit.probe(probeTimeoutMs);
    }
    const failedAt = health.lastFailedAt;
    if (failedAt !== null && now - failedAt < failureHoldMs && health.writable) {
      problems.push(`a review could not be recorded ${now - failedAt} ms ago; waiting ${failureHoldMs} ms before serving again`);
    }
    if (stalled) problems.push(`an audit commit has waited ${now - (health.busySince ?? now)} ms (store locked or disk stalled?)`);
    else if (!health.writable) problems.push(`the audit log cannot be written: ${health.problem ?? 'unknown error'}`);
    return problems.length === 0 ? { ready: true } : { ready: false, problems };
  };
}
