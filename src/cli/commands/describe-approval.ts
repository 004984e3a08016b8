import type { ResolvedImage } from '../../registry/types';
import type { ApprovalRecord } from '../../store/approvals-repository';
import { isoTime } from '../output';

/**
 * `approved docker.io/library/nginx@sha256:… (tag 1.25, expires 2026-12-01T00:00:00.000Z, platforms linux/amd64, …)`,
 * as `approve REF` and `approve --file` print it. The platforms are named because approving an index digest lets
 * a pod that names it run on each platform it lists.
 */
export function describeApproval(approval: ApprovalRecord, resolved: ResolvedImage | null): string {
  const parts = [
    approval.tag === null ? null : `tag ${approval.tag}`,
    approval.expiresAt === null ? 'no expiry' : `expires ${isoTime(approval.expiresAt)}`,
    approval.imageCreatedAt === null ? null : `built ${isoTime(approval.imageCreatedAt)}`,
    resolved === null || resolved.platforms.length === 0 ? null : `platforms ${resolved.platforms.join(', ')}`,
  ].filter((p): p is string => p !== null);
  return `approved ${approval.repository}@${approval.digest} (${parts.join(', ')})`;
}
