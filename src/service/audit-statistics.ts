import type { AuditRepository } from '../store/audit-repository';
import type { AuditStats, StatsFilter } from '../store/audit-stats';

/** `audit stats` (SPEC §7) and the dashboard's overview tables: counts in a time window and namespace, or over the whole trail. */
export function auditStatistics(audit: AuditRepository, filter: StatsFilter): Promise<AuditStats> {
  return audit.stats(filter);
}
