import type { GrantRecord, GrantsRepository, RevokeGrantInput } from '../store/grants-repository';

/**
 * Revokes a grant (SPEC §7 `break-glass revoke`): recorded on the grant and in the change log, never deleted, so
 * the audit trail can still say which grant let a pod in. NotFoundError when there is no such grant not yet revoked.
 */
export function revokeBreakGlassGrant(grants: GrantsRepository, input: RevokeGrantInput): Promise<GrantRecord> {
  return grants.revoke(input);
}
