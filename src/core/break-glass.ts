// Break-glass, the audited emergency override (SPEC §4), read the way GKE Binary Authorization reads it:
// `alpha.image-policy.k8s.io/break-glass: "true"`, or `<prefix>.image-policy.k8s.io/<ticket>: break-glass`.
import { compileGlob } from './glob';
import { formatTime } from './rules/format-time';
import type { BreakGlassGrant, CompiledPolicy } from './types';

/** Only keys of this form are forwarded by the API server's ImagePolicyWebhook (SPEC §2); others are ignored. */
const MARKER = '.image-policy.k8s.io/';

export interface BreakGlassRequest {
  readonly requested: boolean;
  /** The ticket the annotations name, or null. */
  readonly ticket: string | null;
}

export type BreakGlassPermission =
  | { readonly permitted: true }
  | { readonly permitted: false; readonly refusal: string };

/**
 * Reads the break-glass request from the annotations. Keys are visited in sorted order so that a pod naming two
 * tickets always yields the same one; a `…/ticket: <id>` annotation wins over a ticket named by a key.
 */
export function readBreakGlassRequest(annotations: Readonly<Record<string, string>>): BreakGlassRequest {
  let requested = false;
  let explicitTicket: string | null = null;
  let keyTicket: string | null = null;
  for (const key of Object.keys(annotations).sort()) {
    const at = key.indexOf(MARKER);
    if (at === -1) continue;
    const name = key.slice(at + MARKER.length);
    const value = annotations[key];
    if (name === 'break-glass' && value === 'true') requested = true;
    if (name === 'ticket' && value.trim() !== '') explicitTicket ??= value.trim();
    if (value === 'break-glass') {
      requested = true;
      if (name !== '' && name !== 'break-glass' && name !== 'ticket') keyTicket ??= name;
    }
  }
  return { requested, ticket: requested ? (explicitTicket ?? keyTicket) : null };
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
  if (!policy.matchers.breakGlassNamespace(namespace)) {
    return refused(`break-glass is not allowed in namespace ${JSON.stringify(namespace)}`);
  }
  const { ticket } = request;
  if (ticket === null && (settings.requireTicket || settings.requireGrant)) {
    return refused(`a ticket is required (annotation <prefix>${MARKER}ticket: <id>)`);
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
