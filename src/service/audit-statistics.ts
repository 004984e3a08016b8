import type { AuditRepository } from '../store/audit-repository';
import type { AuditStats } from '../store/audit-stats';

/** `audit stats` (SPEC §7) and the dashboard's overview tables: counts since a time or over the whole trail. */
export function auditStatistics(audit: AuditRepository, since: number | undefined): Promise<AuditStats> {
  return audit.stats(since);
}
