// Registry events as image-reviewer reads them (SPEC §2 `/events/harbor`, `/events/registry`), whichever registry
// sent them: Harbor webhooks (Default and CloudEvents formats) and distribution notification envelopes.

/** A digest an event may name: a pod runs sha256 digests (distribution's own tests use placeholders such as `sha256:0123…`). */
export const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

export const EVENT_SOURCES = ['harbor', 'registry'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** What an event means for the store: a manifest pushed, an artifact deleted, a Harbor scan that ended. */
export type EventKind = 'push' | 'delete' | 'scan-completed' | 'scan-failed' | 'scan-stopped';

/** Harbor's scan of one artifact, as the webhook's `scan_overview` summarises it (the findings are fetched). */
export interface HarborScanOverview {
  /** `Success`, `Error`, `Stopped`, … as Harbor wrote it. */
  readonly status: string;
  /** When the scan ended (`end_time`), epoch ms; null when absent. */
  readonly endedAt: number | null;
  readonly scannerName: string | null;
}

/** One event about one digest. */
export interface ArtifactEvent {
  readonly source: EventSource;
  /** The event type as the sender named it (`PUSH_ARTIFACT`, `harbor.scan.completed`, `push`). */
  readonly type: string;
  readonly kind: EventKind;
  /** Identity for idempotence: the same event delivered again has the same key (event-key.ts). */
  readonly key: string;
  /** Registry host[:port] as clients reach it (the image reference's host). */
  readonly registry: string;
  /** Normalised `host/path`, as approvals are keyed. */
  readonly repository: string;
  readonly digest: string;
  readonly tag: string | null;
  /** Who pushed or acted (Harbor `operator`, distribution `actor.name`); null when the sender does not say. */
  readonly actor: string | null;
  /** When the registry says it happened, epoch ms. */
  readonly occurredAt: number;
  /** Harbor only: the project and repository name inside it, for Harbor's API (`library`, `alpine/helm`). */
  readonly harborRepository: { readonly project: string; readonly name: string } | null;
  /** Harbor scan events only. */
  readonly scan: HarborScanOverview | null;
}

/** An event that changes nothing here (a pull, a blob push, a type not acted on), counted and logged. */
export interface IgnoredEvent {
  readonly source: EventSource;
  readonly type: string;
  readonly reason: string;
}

/** A request body read into its events. */
export interface ParsedEvents {
  readonly events: readonly ArtifactEvent[];
  readonly ignored: readonly IgnoredEvent[];
}
