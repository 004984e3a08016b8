// Break-glass, the audited emergency override (SPEC §4), read the way GKE Binary Authorization reads it:
// `alpha.image-policy.k8s.io/break-glass: "true"`, or `<prefix>.image-policy.k8s.io/<ticket>: break-glass`.
import { parseAnnotationKey } from './annotation-key';
import { compileGlob } from './glob';
import { formatTime } from './rules/format-time';
import type { BreakGlassGrant, CompiledPolicy } from './types';

/**
 * Keys of ours have a prefix ending in this domain (`alpha.image-policy.k8s.io/break-glass`). The API server
 * forwards every key containing `.image-policy.k8s.io/` (SPEC §2), so `evil.com/x.image-policy.k8s.io/break-glass`
 * arrives too: only a key Kubernetes itself accepts, parsed as it parses it, counts.
 */
const DOMAIN = '.image-policy.k8s.io';

/** SPEC §4: tickets are at most 128 printable characters without spaces (they are stored, logged and printed). */
const TICKET = /^[\x21-\x7e]{1,128}$/;
export const TICKET_RULE = 'at most 128 printable characters without spaces';

export function isValidTicket(ticket: string): boolean {
  return TICKET.test(ticket);
}

export interface BreakGlassRequest {
  readonly requested: boolean;
  /** The ticket the annotations name, or null. */
  readonly ticket: string | null;
  /** Why the ticket a pod names cannot be taken (too long, spaces, control characters), or null. */
  readonly ticketProblem: string | null;
}

export type BreakGlassPermission =
  | { readonly permitted: true }
  | { readonly permitted: false; readonly refusal: string };

/**
 * Reads the break-glass request from the annotations. Keys are visited in sorted order so that a pod naming two
 * tickets always yields the same one; a `…/ticket: <id>` annotation wins over a ticket named by a key.
 * `<prefix>.image-policy.k8s.io/ticket: break-glass` reads as either form (a request whose ticket is named
 * "ticket", or a ticket named "break-glass"): being ambiguous, it asks for nothing and names no ticket.
 */
export function readBreakGlassRequest(annotations: Readonly<Record<string, string>>): BreakGlassRequest {
  let requested = false;
  let explicitTicket: { readonly key: string; readonly ticket: string } | null = null;
  let keyTicket: string | null = null;
  for (const key of Object.keys(annotations).sort()) {
    const value = annotations[key];
    // Only these can ask for break-glass or name a ticket; any other annotation is not parsed at all.
    if (value !== 'true' && value !== 'break-glass' && !key.endsWith('/ticket')) continue;
    const parsed = parseAnnotationKey(key);
    if (parsed === null || !parsed.prefix.endsWith(DOMAIN)) continue;
    const { name } = parsed;
    if (name === 'ticket' && value === 'break-glass') continue;
    if (name === 'break-glass' && value === 'true') requested = true;
    if (name === 'ticket' && value.trim() !== '') explicitTicket ??= { key, ticket: value.trim() };
    if (value === 'break-glass') {
      requested = true;
      // A key's name is at most 63 characters of [A-Za-z0-9._-]: always a valid ticket.
      if (name !== 'break-glass') keyTicket ??= name;
    }
  }
  if (!requested) return { requested, ticket: null, ticketProblem: null };
  if (explicitTicket !== null && !isValidTicket(explicitTicket.ticket)) {
    return { requested, ticket: null, ticketProblem: `the ticket in annotation ${explicitTicket.key} is not valid (${TICKET_RULE})` };
  }
  return { requested, ticket: explicitTicket?.ticket ?? keyTicket, ticketProblem: null };
}

/**
 * Whether break-glass is permitted here: enabled, namespace allowed, ticket present when required, and with
 * `requireGrant` an active grant for this namespace and ticket, so that whoever can annotate a pod cannot
 * serve themselves.
 */
export function breakGlassPermission(
  request: BreakGlassRequest,
  namespace: string,
  policy: CompiledPolicy,
  grants: readonly BreakGlassGrant[],
  now: number,
): BreakGlassPermission {
  const settings = policy.policy.breakGlass;
  if (!settings.enabled) return refused('break-glass is disabled by policy');
  // A malformed ticket is refused even where none is required: what the pod claims is recorded, so it must be sound.
  if (request.ticketProblem !== null) return refused(request.ticketProblem);
  if (!policy.matchers.breakGlassNamespace(namespace)) {
    return refused(`break-glass is not allowed in namespace ${JSON.stringify(namespace)}`);
  }
  const { ticket } = request;
  if (ticket === null && (settings.requireTicket || settings.requireGrant)) {
    return refused(`a ticket is required (annotation <prefix>${DOMAIN}/ticket: <id>)`);
  }
  if (!settings.requireGrant || ticket === null) return { permitted: true };
  return grantPermission(ticket, namespace, grants, now);
}

function grantPermission(
  ticket: string,
  namespace: string,
  grants: readonly BreakGlassGrant[],
  now: number,
): BreakGlassPermission {
  const matching = grants.filter((grant) => grant.ticket === ticket && compileGlob(grant.namespace)(namespace));
  if (matching.some((grant) => grant.revokedAt === null && grant.expiresAt > now)) return { permitted: true };
  const [first] = matching;
  if (first === undefined) {
    return refused(`no break-glass grant for ticket ${JSON.stringify(ticket)} in namespace ${JSON.stringify(namespace)}`);
  }
  const state = first.revokedAt !== null ? 'was revoked' : `expired at ${formatTime(first.expiresAt)}`;
  return refused(`break-glass grant #${first.id} for ticket ${JSON.stringify(ticket)} ${state}`);
}

function refused(refusal: string): BreakGlassPermission {
  return { permitted: false, refusal };
}
