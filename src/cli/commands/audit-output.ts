import type { RecordedSignature } from '../../core/types';
import type { AuditStats } from '../../store/audit-stats';
import type { AuditDecision } from '../../store/audit-query';
import { formatCsv, formatTable, isoTime } from '../output';

// Output of `audit` and `audit stats` (SPEC §7): a table by default, NDJSON with --json, CSV with --csv.

/** SPEC §7 decision shape (stable; more fields may be added). */
export function decisionJson(d: AuditDecision) {
  return {
    id: d.id,
    time: isoTime(d.time),
    namespace: d.namespace,
    allowed: d.allowed,
    mode: d.mode,
    breakGlass: d.breakGlass,
    ticket: d.ticket,
    reason: d.reason,
    overridden: d.overridden,
    policyHash: d.policyHash,
    user: d.user,
    groups: d.groups,
    latencyUs: d.latencyUs,
    writer: d.writer,
    cluster: d.cluster,
    images: d.images.map((i) => ({
      image: i.image,
      repository: i.repository,
      digest: i.digest,
      allowed: i.allowed,
      reasons: i.reasons,
      // An image an UPDATE did not change (`/validate`): recorded, not judged.
      unchanged: i.unchanged,
      signature: signatureJson(i.signature),
    })),
  };
}

/** An image's signature evidence, `verifiedAt` as ISO-8601 like `approvals --json`; null when none. */
function signatureJson(signature: RecordedSignature | null) {
  if (signature?.kind !== 'verified') return signature;
  return { ...signature, verifiedAt: isoTime(signature.verifiedAt) };
}

const CSV_HEADERS = ['id', 'time', 'namespace', 'allowed', 'mode', 'breakGlass', 'ticket', 'reasons', 'images',
  'reason', 'policyHash', 'user', 'latencyUs', 'groups', 'writer', 'cluster'];

/** One line per decision; its images space-separated, and the reason codes of all its images. */
export function decisionsCsv(decisions: readonly AuditDecision[]): string {
  return formatCsv(
    CSV_HEADERS,
    decisions.map((d) => [d.id, isoTime(d.time), d.namespace, d.allowed, d.mode, d.breakGlass, d.ticket,
      reasonCodes(d).join(' '), d.images.map((i) => i.image).join(' '), d.reason, d.policyHash, d.user, d.latencyUs,
      d.groups?.join(' ') ?? null, d.writer, d.cluster]),
  );
}

export function decisionsTable(decisions: readonly AuditDecision[]): string {
  return formatTable(
    ['ID', 'TIME', 'NAMESPACE', 'USER', 'DECISION', 'MODE', 'BREAK-GLASS', 'REASONS', 'IMAGES', 'WRITER'],
    decisions.map((d) => [
      d.id,
      isoTime(d.time),
      d.namespace === '' ? '-' : d.namespace,
      d.user ?? '-',
      d.allowed ? 'allowed' : 'denied',
      d.mode,
      d.breakGlass ? (d.ticket ?? 'yes') : '-',
      reasonCodes(d).join(',') || '-',
      d.images.map((i) => (i.unchanged ? `${i.image} (unchanged)` : i.image)).join(' ') || '-',
      d.writer === null ? '-' : d.cluster === null ? d.writer : `${d.cluster}/${d.writer}`,
    ]),
  );
}

/** The distinct reason codes of a decision's images, in the order they first appear. */
function reasonCodes(d: AuditDecision): readonly string[] {
  return [...new Set(d.images.flatMap((i) => i.reasons))];
}

export function statsTable(stats: AuditStats): string {
  const summary = formatTable(
    ['DECISIONS', 'ALLOWED', 'DENIED', 'BREAK-GLASS'],
    [[stats.total, stats.allowed, stats.denied, stats.breakGlass]],
  );
  const modes = formatTable(['MODE', 'COUNT'], stats.byMode.map((m) => [m.mode, m.count]));
  const namespaces = formatTable(
    ['NAMESPACE', 'ALLOWED', 'DENIED'],
    stats.byNamespace.map((n) => [n.namespace === '' ? '-' : n.namespace, n.allowed, n.denied]),
  );
  const reasons = formatTable(['REASON', 'DECISIONS'], stats.byReason.map((r) => [r.reason, r.count]));
  return [statsScope(stats), summary, modes, namespaces, reasons].join('\n\n');
}

/** Which decisions were counted: `all decisions`, or `decisions in namespace prod since … until …`. */
function statsScope(stats: AuditStats): string {
  const parts = [
    stats.namespace === null ? null : `in namespace ${stats.namespace === '' ? '""' : stats.namespace}`,
    stats.since === null ? null : `since ${isoTime(stats.since) ?? ''}`,
    stats.until === null ? null : `until ${isoTime(stats.until) ?? ''}`,
  ].filter((p) => p !== null);
  return parts.length === 0 ? 'all decisions' : `decisions ${parts.join(' ')}`;
}

export function statsJson(stats: AuditStats) {
  return { ...stats, since: isoTime(stats.since), until: isoTime(stats.until) };
}

/**
 * One row per count, in long form (`dimension,value,decisions,allowed,denied`) so that one sheet holds every
 * dimension: `total`, `break-glass`, then one row per mode, namespace and reason code.
 */
export function statsCsv(stats: AuditStats): string {
  return formatCsv(
    ['dimension', 'value', 'decisions', 'allowed', 'denied'],
    [
      ['total', null, stats.total, stats.allowed, stats.denied],
      ['break-glass', null, stats.breakGlass, null, null],
      ...stats.byMode.map((m) => ['mode', m.mode, m.count, null, null]),
      ...stats.byNamespace.map((n) => ['namespace', n.namespace, n.allowed + n.denied, n.allowed, n.denied]),
      ...stats.byReason.map((r) => ['reason', r.reason, r.count, null, null]),
    ],
  );
}
