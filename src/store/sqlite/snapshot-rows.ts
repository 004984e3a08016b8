import type { Approval, ApprovalSignature, BreakGlassGrant, CveException, Finding, ScanResult } from '../../core/types';
import { SEVERITIES } from '../../core/types';
import { StoreError } from '../../errors';
import type { JsonValue } from '../change-log-repository';

// Row types of the review path's reads and their mapping into the core's types. better-sqlite3 returns
// untyped rows; every value that the schema constrains is checked here, so a hand-edited store fails
// as a StoreError (HTTP 500, never an answer) instead of flowing into `decide` as a wrong type.
// The CLI's repositories read the same columns and more, so they extend these rows and mappings.

export interface ApprovalRow {
  readonly repository: string;
  readonly digest: string;
  readonly tag: string | null;
  readonly approved_by: string;
  readonly approved_at: number;
  readonly reason: string | null;
  readonly expires_at: number | null;
  readonly image_created_at: number | null;
  readonly revoked_at: number | null;
  readonly revoked_by: string | null;
  readonly revoke_reason: string | null;
  /** JSON of the ApprovalSignature (migration 0004), or null. */
  readonly signature: string | null;
}

export interface ScanRow {
  readonly id: number;
  readonly scanner: string;
  readonly scanned_at: number;
}

export interface FindingRow {
  readonly vuln_id: string;
  readonly package: string;
  readonly installed: string;
  readonly fixed: string | null;
  readonly severity: string;
}

export interface ExceptionRow {
  readonly id: number;
  readonly vuln_id: string;
  readonly repository: string | null;
  readonly expires_at: number;
  readonly reason: string;
}

export interface GrantRow {
  readonly id: number;
  readonly namespace: string;
  readonly ticket: string;
  readonly expires_at: number;
  readonly revoked_at: number | null;
}

export function toApproval(row: ApprovalRow): Approval {
  return {
    repository: row.repository,
    digest: row.digest,
    tag: row.tag,
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
    reason: row.reason,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    revokeReason: row.revoke_reason,
    imageCreatedAt: row.image_created_at,
    signature: toApprovalSignature(row),
  };
}

/** The `approvals.signature` column's JSON (migration 0004), also the change log's record of it. */
export function approvalSignatureJson(signature: ApprovalSignature): { readonly [key: string]: JsonValue } {
  if (signature.kind === 'unsigned-allowed') return { kind: signature.kind, by: signature.by };
  const { signers, artifacts, verifiedAt } = signature.evidence;
  return { kind: signature.kind, signers: [...signers], artifacts: [...artifacts], verifiedAt };
}

export function encodeApprovalSignature(signature: ApprovalSignature | null): string | null {
  return signature === null ? null : JSON.stringify(approvalSignatureJson(signature));
}

function toApprovalSignature(row: ApprovalRow): ApprovalSignature | null {
  if (row.signature === null) return null;
  const bad = (): StoreError => new StoreError(`approvals: unreadable signature record for ${row.repository}@${row.digest}`);
  let json: unknown;
  try {
    json = JSON.parse(row.signature);
  } catch {
    throw bad();
  }
  if (typeof json !== 'object' || json === null) throw bad();
  const kind = Reflect.get(json, 'kind');
  if (kind === 'unsigned-allowed') {
    const by = Reflect.get(json, 'by');
    if (typeof by !== 'string') throw bad();
    return { kind, by };
  }
  const signers = Reflect.get(json, 'signers');
  const artifacts = Reflect.get(json, 'artifacts');
  const verifiedAt = Reflect.get(json, 'verifiedAt');
  if (kind !== 'verified' || !isStringList(signers) || !isStringList(artifacts) || !Number.isSafeInteger(verifiedAt)) throw bad();
  return { kind, evidence: { signers, artifacts, verifiedAt: Number(verifiedAt) } };
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

export function toScanResult(digest: string, row: ScanRow, findings: readonly FindingRow[]): ScanResult {
  if (row.scanner !== 'trivy' && row.scanner !== 'grype') {
    throw new StoreError(`scans: unexpected scanner ${JSON.stringify(row.scanner)} in scan ${row.id}`);
  }
  return { digest, scanner: row.scanner, scannedAt: row.scanned_at, findings: findings.map(toFinding) };
}

export function toFinding(row: FindingRow): Finding {
  const severity = SEVERITIES.find((s) => s === row.severity);
  if (severity === undefined) throw new StoreError(`findings: unexpected severity ${JSON.stringify(row.severity)}`);
  return { id: row.vuln_id, package: row.package, installed: row.installed, fixed: row.fixed, severity };
}

export function toException(row: ExceptionRow): CveException {
  return {
    id: row.id,
    vulnerabilityId: row.vuln_id,
    repository: row.repository,
    expiresAt: row.expires_at,
    reason: row.reason,
  };
}

export function toGrant(row: GrantRow): BreakGlassGrant {
  return {
    id: row.id,
    namespace: row.namespace,
    ticket: row.ticket,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * A scan's date for choosing the newest and judging its age: when the scanner ran, but never later than when it
 * was imported. Import refuses reports dated ahead of the clock; this also keeps a future date stored before that
 * (or a clock a few minutes fast) from pinning "the newest scan" and from never growing stale.
 */
export const EFFECTIVE_SCAN_DATE = 'MIN(s.scanned_at, s.imported_at)';
