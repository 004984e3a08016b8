// Prometheus metrics (SPEC §9). Each call builds its own Registry, so tests and several servers in one process never
// share counters (STYLE 6: no module-level mutable state; prom-client's global `register` is not used).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ReviewDecision = 'allowed' | 'denied';
export type ReviewEndpoint = 'imagereview' | 'validate';
export type PolicyReloadResult = 'success' | 'failure';

export interface MetricsDeps {
  /**
   * Size of the SQLite store in bytes (main file + WAL), read at scrape time; null for a PostgreSQL store, whose size
   * its own monitoring reports (pg_database_size), so the gauge is not exported.
   */
  readonly storeSizeBytes: (() => number) | null;
}

export interface Metrics {
  readonly registry: Registry;
  /** One per answered review; `mode` is the namespace mode (enforce, dry-run, exempt). */
  readonly reviews: Counter<'decision' | 'mode' | 'endpoint'>;
  /** From request parsed to response sent, decision committed included (SPEC §11: p99 ≤ 10 ms). */
  readonly reviewDuration: Histogram<string>;
  readonly breakGlass: Counter<string>;
  /** 4xx answers to what the API server never sends, by cause (bad-json, content-type, too-large, kind, …). */
  readonly invalidRequests: Counter<'reason'>;
  readonly auditWriteFailures: Counter<string>;
  /** Per committed batch of decisions: how long its commit took, and how many decisions it held. */
  readonly auditCommitDuration: Histogram<string>;
  readonly auditCommitDecisions: Histogram<string>;
  readonly policyReloads: Counter<'result'>;
  /** Absent on PostgreSQL (MetricsDeps.storeSizeBytes). */
  readonly storeSize: Gauge<string> | null;
  /**
   * Registry events (SPEC §2 `/events/*`) by source (harbor, registry), event type as the sender names it, and result:
   * received (every event read), stored, ignored (changes nothing, already received, registry not in the policy),
   * rejected (a request refused: unauthenticated, malformed, report not fetched; type `unknown` when unread).
   */
  readonly registryEvents: Counter<'source' | 'type' | 'result'>;
}

/**
 * Latency buckets in seconds. A review is a few SQLite reads and one group-committed append, so most land between
 * 0.5 ms and 10 ms; the upper buckets catch fsync stalls and resolve-mode registry round trips.
 */
export const REVIEW_DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/** A commit is an fsync (SQLite) or a round trip and PostgreSQL's WAL flush: ~0.2–5 ms, slower when the disk stalls. */
export const COMMIT_DURATION_BUCKETS: readonly number[] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** Decisions per commit: 1 when reviews arrive one at a time, up to the batch cap (512) under load. */
export const COMMIT_DECISIONS_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  // Standard `process_*` and `nodejs_*` names (no prefix), so stock Node.js dashboards and alerts work unchanged.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    reviews: new Counter({
      name: 'image_reviewer_reviews_total',
      help: 'Image reviews answered, by decision, namespace mode and endpoint.',
      labelNames: ['decision', 'mode', 'endpoint'] as const,
      registers,
    }),
    reviewDuration: new Histogram({
      name: 'image_reviewer_review_duration_seconds',
      help: 'Time to answer a review, decision recorded durably included.',
      buckets: [...REVIEW_DURATION_BUCKETS],
      registers,
    }),
    breakGlass: new Counter({
      name: 'image_reviewer_break_glass_total',
      help: 'Reviews allowed by break-glass although checks failed.',
      registers,
    }),
    invalidRequests: new Counter({
      name: 'image_reviewer_invalid_requests_total',
      help: 'Requests answered 4xx because they were not a valid review request, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    auditWriteFailures: new Counter({
      name: 'image_reviewer_audit_write_failures_total',
      help: 'Decisions that could not be recorded (answered 500).',
      registers,
    }),
    auditCommitDuration: new Histogram({
      name: 'image_reviewer_audit_commit_duration_seconds',
      help: 'Time to commit one batch of decisions durably (group commit); its count is the number of commits.',
      buckets: [...COMMIT_DURATION_BUCKETS],
      registers,
    }),
    auditCommitDecisions: new Histogram({
      name: 'image_reviewer_audit_commit_decisions',
      help: 'Decisions per committed batch (reviews that shared one commit).',
      buckets: [...COMMIT_DECISIONS_BUCKETS],
      registers,
    }),
    policyReloads: new Counter({
      name: 'image_reviewer_policy_reloads_total',
      help: 'Policy reloads (SIGHUP or file change), by result.',
      labelNames: ['result'] as const,
      registers,
    }),
    storeSize: deps.storeSizeBytes === null ? null : createStoreSizeGauge(registers, deps.storeSizeBytes),
    registryEvents: new Counter({
      name: 'image_reviewer_registry_events_total',
      help: 'Registry events (Harbor webhooks, distribution notifications) by source, type and result (received, stored, ignored, rejected).',
      labelNames: ['source', 'type', 'result'] as const,
      registers,
    }),
  };
}

function createStoreSizeGauge(registers: Registry[], storeSizeBytes: () => number): Gauge<string> {
  return new Gauge({
    name: 'image_reviewer_store_size_bytes',
    help: 'Size of the SQLite store on disk (database file and WAL).',
    registers,
    collect() {
      try {
        this.set(storeSizeBytes());
      } catch {
        // A failed stat must not fail the whole scrape; the previous value stays until the next one succeeds.
      }
    },
  });
}
