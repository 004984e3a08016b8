import type { GrantRecord, GrantsRepository, ListGrantsOptions } from '../store/grants-repository';

/** Grants by id (SPEC §7 `break-glass list`): active ones only unless `all` (then expired and revoked ones too). */
export function listBreakGlassGrants(grants: GrantsRepository, options: ListGrantsOptions): Promise<readonly GrantRecord[]> {
  return grants.list(options);
}
