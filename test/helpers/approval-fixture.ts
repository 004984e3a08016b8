import type { Approval } from '../../src/core/types';

/** An approval of repository+digest by alice, not revoked, with no tag, reason, expiry or build time unless `fields` sets them. */
export function approvalFixture(fields: Pick<Approval, 'repository' | 'digest' | 'approvedAt'> & Partial<Approval>): Approval {
  const { repository, digest, approvedAt, ...over } = fields;
  return {
    repository,
    digest,
    tag: null,
    approvedBy: 'alice',
    approvedAt,
    reason: null,
    expiresAt: null,
    revokedAt: null,
    revokedBy: null,
    revokeReason: null,
    imageCreatedAt: null,
    signature: null,
    ...over,
  };
}
