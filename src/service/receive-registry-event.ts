import type { ArtifactEvent } from '../core/events/registry-event';
import { problemText } from '../core/json-reader';
import { parseHarborReport } from '../core/scan-report/parse-harbor-report';
import type { CompiledPolicy } from '../core/types';
import { RegistryError } from '../errors';
import type { ApprovalsRepository } from '../store/approvals-repository';
import type { EventOutcome, RegistryEventsRepository } from '../store/registry-events-repository';
import type { ScansRepository } from '../store/scans-repository';
import { approveImage } from './approve-image';
import { importScan, prepareParsedScan } from './import-scan';

// What a registry event does to the store (SPEC §2 `/events/*`, §5 `autoApprove`): a push leaves a pending digest
// (or, under `autoApprove`, an approval made through the same service as `approve`); a Harbor scan is fetched and
// stored through the same service as `scan import`; failed scans and deletions are recorded. Events never change an
// approval otherwise, and a revoked or expired digest is never re-approved by a push (SPEC §4 Precedence).

/** Fetches Harbor's vulnerability report (src/registry/harbor-client.ts); RegistryError when it cannot. */
export interface HarborReports {
  fetchReport(event: ArtifactEvent): Promise<Buffer>;
}

export interface EventIntakeDeps {
  readonly events: RegistryEventsRepository;
  readonly approvals: ApprovalsRepository;
  readonly scans: ScansRepository;
  readonly policy: () => CompiledPolicy;
  /** Null without `serve --harbor-url`: Harbor scan events are then recorded without their report. */
  readonly harbor: HarborReports | null;
  readonly clock: () => number;
}

export type HandledEvent =
  | { readonly result: 'stored'; readonly outcome: EventOutcome; readonly detail: string | null }
  | { readonly result: 'ignored'; readonly reason: string };

const AUTO_APPROVED_REASON = 'auto-approved on push';

/**
 * Handles one event. The effect (approval, scan) is made before the event row, and a stored event is never handled
 * again: a redelivery after a failure retries the effect, a redelivery after success changes nothing. A Harbor
 * report that cannot be fetched or read throws RegistryError with nothing stored, so Harbor's retry can succeed.
 */
export async function receiveRegistryEvent(deps: EventIntakeDeps, event: ArtifactEvent): Promise<HandledEvent> {
  const policy = deps.policy();
  if (!policy.matchers.registryAllowed(event.registry)) {
    return { result: 'ignored', reason: `registry ${event.registry} is not in the policy's registries` };
  }
  if (await deps.events.seen(event.source, event.key)) return { result: 'ignored', reason: 'already received (redelivery)' };
  const { outcome, detail } = await effect(deps, event, policy);
  const recorded = await deps.events.record({
    source: event.source,
    key: event.key,
    type: event.type,
    kind: event.kind,
    repository: event.repository,
    digest: event.digest,
    tag: event.tag,
    actor: event.actor,
    occurredAt: event.occurredAt,
    outcome,
    detail,
    now: deps.clock(),
  });
  if (recorded === null) return { result: 'ignored', reason: 'already received (redelivery)' };
  return { result: 'stored', outcome, detail };
}

async function effect(deps: EventIntakeDeps, event: ArtifactEvent, policy: CompiledPolicy): Promise<{ readonly outcome: EventOutcome; readonly detail: string | null }> {
  switch (event.kind) {
    case 'push':
      return pushOutcome(deps, event, policy);
    case 'delete':
      return { outcome: 'recorded', detail: 'deleted in the registry' };
    case 'scan-failed':
    case 'scan-stopped':
      return { outcome: 'scan-not-stored', detail: `Harbor's scan ended ${event.scan?.status ?? event.kind}` };
    case 'scan-completed':
      return storeHarborScan(deps, event);
  }
}

async function pushOutcome(deps: EventIntakeDeps, event: ArtifactEvent, policy: CompiledPolicy): Promise<{ readonly outcome: EventOutcome; readonly detail: string | null }> {
  const now = deps.clock();
  const rule = event.actor === null ? null : policy.matchers.autoApprover(event.repository, event.actor);
  // Repository names hold no glob characters, so the repository itself is an exact filter.
  const approvals = await deps.approvals.list({ repositoryGlob: event.repository, all: true, now });
  const current = approvals.find((a) => a.digest === event.digest) ?? null;
  if (current !== null) {
    if (current.status === 'active') return { outcome: 'already-approved', detail: null };
    // SPEC §4 Precedence: only an operator approves a revoked or expired digest again.
    return { outcome: 'approval-kept', detail: `the approval is ${current.status}: a push never approves it again` };
  }
  if (rule === null || event.actor === null) return { outcome: 'pending', detail: null };
  await approveImage(
    deps.approvals,
    { repository: event.repository, digest: event.digest, tag: event.tag, resolved: null, signature: null },
    { by: event.actor, reason: AUTO_APPROVED_REASON, expiresAt: null, registry: null, policy, allowUnsigned: false },
    now,
  );
  return { outcome: 'auto-approved', detail: `autoApprove ${rule.repository} pushedBy ${rule.pushedBy}` };
}

async function storeHarborScan(deps: EventIntakeDeps, event: ArtifactEvent): Promise<{ readonly outcome: EventOutcome; readonly detail: string | null }> {
  const status = event.scan?.status ?? 'Success';
  if (status !== 'Success') return { outcome: 'scan-not-stored', detail: `Harbor's scan ended ${status}` };
  if (deps.harbor === null) return { outcome: 'scan-not-stored', detail: 'serve has no --harbor-url to fetch the report from' };
  const bytes = await deps.harbor.fetchReport(event);
  const image = `${event.repository}@${event.digest}`;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError(`Harbor's vulnerability report for ${image} is not JSON`);
  }
  const target = { repository: event.repository, digest: event.digest };
  const parsed = parseHarborReport(json, { target, endedAt: event.scan?.endedAt ?? null });
  if (!parsed.ok) throw new RegistryError(`Harbor's vulnerability report for ${image} is unreadable: ${problemText(parsed)}`);
  const prepared = prepareParsedScan(parsed, { source: `Harbor report for ${image}`, bytes, image: target, by: 'harbor', now: deps.clock() });
  const { scan } = await importScan(deps.scans, prepared.input);
  return { outcome: 'scan-stored', detail: `scan ${scan.id}` };
}
