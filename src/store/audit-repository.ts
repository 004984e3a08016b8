import type { AuditDecision, DecisionFilter } from './audit-query';
import type { AuditStats, StatsFilter } from './audit-stats';
import type { VerifyResult } from './audit-verify';
import type { ChainEntry, StoredChains } from './chain-states';
import type { TimelineBucket, TimelineRange } from './audit-timeline';
import type { TopDeniedImages, TopDeniedImagesQuery } from './top-denied-images';

// The audit trail as the service layer reads it, whatever the engine (async: see approvals-repository.ts).
// Decisions are written only by the audit writer (audit-log.ts), never through this interface.

/** One image admitted in a namespace, as the audit trail recorded it. */
export interface AdmittedImage {
  readonly namespace: string;
  readonly image: string;
  /** The newest decision that admitted it. */
  readonly decisionId: number;
}

export interface AuditRepository {
  /** Decisions matching the filter, newest first (`audit`). */
  decisions(filter: DecisionFilter): Promise<readonly AuditDecision[]>;
  /** One decision by id, or null when there is none. */
  decision(id: number): Promise<AuditDecision | null>;
  /** Decisions per bucket of whole hours, from the hourly rollups (the dashboard's chart). */
  timeline(range: TimelineRange): Promise<readonly TimelineBucket[]>;
  /** The images most often denied in a time range, over at most `maxDecisions` of its newest denials. */
  topDeniedImages(query: TopDeniedImagesQuery): Promise<TopDeniedImages>;
  /** `audit stats` over a time window and namespace, or over the whole trail. */
  stats(filter: StatsFilter): Promise<AuditStats>;
  /** `audit verify`: the hash chain and the indexes derived from it. */
  verify(): Promise<VerifyResult>;
  /**
   * The audit chains and the change log's, for checking them against signed checkpoints (`audit verify
   * --checkpoints`): their lengths, and the hashes of the `entries` the checkpoints name (an engine may read only those).
   */
  chains(entries: readonly ChainEntry[]): Promise<StoredChains>;
  /** Namespaces where a pod with repository+digest was admitted since `sinceMs`, sorted. */
  admittedNamespaces(repository: string, digest: string, sinceMs: number): Promise<readonly string[]>;
  /** Every distinct (namespace, image) an allowed decision since `since` names, sorted (`recheck --since`). */
  admittedImages(since: number): Promise<readonly AdmittedImage[]>;
}
