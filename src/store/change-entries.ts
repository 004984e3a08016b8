import type { ApproveInput, RevokeInput } from './approvals-repository';
import type { ChangeEntry } from './change-log-repository';
import type { AddExceptionInput, RemoveExceptionInput } from './exceptions-repository';
import type { GrantInput, RevokeGrantInput } from './grants-repository';
import type { ImportScanInput } from './scans-repository';
import type { RecordEventInput } from './registry-events-repository';
import type { SeverityCounts } from '../core/types';
import { approvalSignatureJson } from './sqlite/snapshot-rows';

// What the change log records for each operator change (SPEC §6), built once for both engines so a store copied
// from one engine to the other holds the same entries, and either engine's log reads the same in `changes`.

export function approveChange(input: ApproveInput, approvalId: number): ChangeEntry {
  return {
    time: input.now,
    actor: input.by,
    action: 'approve',
    subject: `${input.repository}@${input.digest}`,
    details: {
      approvalId,
      tag: input.tag,
      reason: input.reason,
      expiresAt: input.expiresAt,
      imageCreatedAt: input.imageCreatedAt,
      ...(input.signature === null ? {} : { signature: approvalSignatureJson(input.signature) }),
    },
  };
}

export function revokeChange(input: RevokeInput, approvalId: number): ChangeEntry {
  return {
    time: input.now,
    actor: input.by,
    action: 'revoke',
    subject: `${input.repository}@${input.digest}`,
    details: { approvalId, reason: input.reason },
  };
}

export function scanImportChange(input: ImportScanInput, scanId: number, scannedAt: number, counts: SeverityCounts): ChangeEntry {
  return {
    time: input.now,
    actor: input.by,
    action: 'scan-import',
    subject: `scan:${scanId}`,
    details: {
      scanner: input.scanner,
      scannedAt,
      reportSha256: input.reportSha256,
      targets: input.targets.map((t) => `${t.repository}@${t.digest}`),
      counts: { ...counts },
    },
  };
}

export function exceptionAddChange(input: AddExceptionInput, id: number): ChangeEntry {
  return {
    time: input.now,
    actor: input.by,
    action: 'exception-add',
    subject: `exception:${id}`,
    details: { vulnerabilityId: input.vulnerabilityId, repository: input.repository, expiresAt: input.expiresAt, reason: input.reason },
  };
}

export function exceptionRemoveChange(input: RemoveExceptionInput, removed: { vulnerabilityId: string; repository: string | null }): ChangeEntry {
  return {
    time: input.now,
    actor: input.by,
    action: 'exception-remove',
    subject: `exception:${input.id}`,
    details: { vulnerabilityId: removed.vulnerabilityId, repository: removed.repository, reason: input.reason },
  };
}

export function grantChange(input: GrantInput, id: number): ChangeEntry {
  return {
    time: input.now,
    actor: input.by,
    action: 'break-glass-grant',
    subject: `break-glass-grant:${id}`,
    details: { namespace: input.namespace, ticket: input.ticket, expiresAt: input.expiresAt, reason: input.reason },
  };
}

export function grantRevokeChange(input: RevokeGrantInput, revoked: { namespace: string; ticket: string }): ChangeEntry {
  return {
    time: input.now,
    actor: input.by,
    action: 'break-glass-revoke',
    subject: `break-glass-grant:${input.id}`,
    details: { namespace: revoked.namespace, ticket: revoked.ticket },
  };
}

export function registryEventChange(input: RecordEventInput, id: number): ChangeEntry {
  return {
    time: input.now,
    actor: input.actor ?? `(${input.source})`,
    action: 'registry-event',
    subject: `registry-event:${id}`,
    details: {
      source: input.source,
      key: input.key,
      type: input.type,
      kind: input.kind,
      image: `${input.repository}@${input.digest}`,
      tag: input.tag,
      actor: input.actor,
      occurredAt: input.occurredAt,
      outcome: input.outcome,
      detail: input.detail,
    },
  };
}
