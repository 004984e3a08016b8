import { TICKET_RULE, isValidTicket } from '../core/break-glass';
import { UsageError } from '../errors';
import type { GrantInput, GrantRecord, GrantsRepository } from '../store/grants-repository';

// Break-glass grants (SPEC §7 `break-glass grant`): consulted when the policy sets `breakGlass.requireGrant`, so
// that annotating a pod is not enough on its own (SPEC §4).

/** Stores a grant after checkGrantInput. */
export function grantBreakGlass(grants: GrantsRepository, input: GrantInput): Promise<GrantRecord> {
  checkGrantInput(input);
  return grants.grant(input);
}

/**
 * UsageError for an empty namespace or a ticket no pod annotation could carry (a grant for it would match no pod).
 * Exported so that an edge can check before it opens a store: a usage error touches nothing.
 */
export function checkGrantInput(input: Pick<GrantInput, 'namespace' | 'ticket'>): void {
  if (input.namespace.trim() === '') throw new UsageError('--namespace must not be empty');
  if (input.ticket.trim() === '') throw new UsageError('--ticket must not be empty');
  if (!isValidTicket(input.ticket)) {
    throw new UsageError(`--ticket ${JSON.stringify(input.ticket.slice(0, 40))} is not a valid ticket (${TICKET_RULE}), as a pod could never name it`);
  }
}
