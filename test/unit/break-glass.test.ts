import { breakGlassPermission, readBreakGlassRequest } from '../../src/core/break-glass';
import type { BreakGlassPermission, BreakGlassRequest } from '../../src/core/break-glass';
import { DEFAULT_POLICY, compilePolicy } from '../../src/core/policy';
import type { BreakGlassGrant, Policy } from '../../src/core/types';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const HOUR = 3_600_000;

function annotations(entries: Record<string, string>): Readonly<Record<string, string>> {
  return Object.assign(Object.create(null) as Record<string, string>, entries);
}

describe('readBreakGlassRequest', () => {
  it.each<[string, Record<string, string>, BreakGlassRequest]>([
    ['no annotations', {}, { requested: false, ticket: null }],
    ['the GKE form', { 'alpha.image-policy.k8s.io/break-glass': 'true' }, { requested: true, ticket: null }],
    ['the GKE form with a ticket', { 'alpha.image-policy.k8s.io/break-glass': 'true', 'alpha.image-policy.k8s.io/ticket': 'INC-1' }, { requested: true, ticket: 'INC-1' }],
    ['any prefix counts', { 'mycluster.image-policy.k8s.io/break-glass': 'true' }, { requested: true, ticket: null }],
    ['a value other than "true" does not ask', { 'alpha.image-policy.k8s.io/break-glass': 'yes' }, { requested: false, ticket: null }],
    ['"True" is not "true"', { 'alpha.image-policy.k8s.io/break-glass': 'True' }, { requested: false, ticket: null }],
    ['the value form names the ticket by its key', { 'mycluster.image-policy.k8s.io/ticket-1234': 'break-glass' }, { requested: true, ticket: 'ticket-1234' }],
    ['an explicit ticket wins over the key-named one', {
      'mycluster.image-policy.k8s.io/ticket-1234': 'break-glass',
      'mycluster.image-policy.k8s.io/ticket': ' INC-9 ',
    }, { requested: true, ticket: 'INC-9' }],
    ['a ticket alone does not ask for break-glass', { 'alpha.image-policy.k8s.io/ticket': 'INC-1' }, { requested: false, ticket: null }],
    ['an empty ticket is no ticket', { 'alpha.image-policy.k8s.io/break-glass': 'true', 'alpha.image-policy.k8s.io/ticket': '  ' }, { requested: true, ticket: null }],
    ['a key without the .image-policy.k8s.io/ marker is ignored', { 'image-policy.k8s.io/break-glass': 'true', 'example.com/INC-1': 'break-glass' }, { requested: false, ticket: null }],
    ['a look-alike domain is ignored', { 'alpha.image-policy.k8s.io.evil/break-glass': 'true' }, { requested: false, ticket: null }],
    ['two key-named tickets: the first in sorted order', {
      'b.image-policy.k8s.io/INC-2': 'break-glass',
      'a.image-policy.k8s.io/INC-1': 'break-glass',
    }, { requested: true, ticket: 'INC-1' }],
    ['break-glass as the value of the break-glass key names no ticket', { 'alpha.image-policy.k8s.io/break-glass': 'break-glass' }, { requested: true, ticket: null }],
  ])('%s', (_name, entries, expected) => {
    expect(readBreakGlassRequest(annotations(entries))).toEqual(expected);
  });
});

describe('breakGlassPermission', () => {
  const grant = (over: Partial<BreakGlassGrant>): BreakGlassGrant => ({
    id: 7,
    namespace: 'payments-*',
    ticket: 'INC-1',
    expiresAt: NOW + HOUR,
    revokedAt: null,
    ...over,
  });
  const enabled: Policy['breakGlass'] = { enabled: true, namespaces: ['payments-*', 'checkout'], requireTicket: true, requireGrant: false };

  it.each<[string, Policy['breakGlass'], BreakGlassRequest, string, readonly BreakGlassGrant[], BreakGlassPermission]>([
    ['permitted with a ticket', enabled, { requested: true, ticket: 'INC-1' }, 'payments-eu', [], { permitted: true }],
    ['disabled', { ...enabled, enabled: false }, { requested: true, ticket: 'INC-1' }, 'payments-eu', [], {
      permitted: false,
      refusal: 'break-glass is disabled by policy',
    }],
    ['namespace not allowed', enabled, { requested: true, ticket: 'INC-1' }, 'default', [], {
      permitted: false,
      refusal: 'break-glass is not allowed in namespace "default"',
    }],
    ['ticket missing', enabled, { requested: true, ticket: null }, 'checkout', [], {
      permitted: false,
      refusal: 'a ticket is required (annotation <prefix>.image-policy.k8s.io/ticket: <id>)',
    }],
    ['no ticket needed', { ...enabled, requireTicket: false }, { requested: true, ticket: null }, 'checkout', [], { permitted: true }],
    ['a grant matches namespace glob and ticket', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1' }, 'payments-eu', [grant({})], { permitted: true }],
    ['a grant is required and none exists', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1' }, 'payments-eu', [], {
      permitted: false,
      refusal: 'no break-glass grant for ticket "INC-1" in namespace "payments-eu"',
    }],
    ['a grant for another ticket', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-2' }, 'payments-eu', [grant({})], {
      permitted: false,
      refusal: 'no break-glass grant for ticket "INC-2" in namespace "payments-eu"',
    }],
    ['a grant for another namespace', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1' }, 'checkout', [grant({})], {
      permitted: false,
      refusal: 'no break-glass grant for ticket "INC-1" in namespace "checkout"',
    }],
    ['an expired grant', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1' }, 'payments-eu', [grant({ expiresAt: NOW - HOUR })], {
      permitted: false,
      refusal: 'break-glass grant #7 for ticket "INC-1" expired at 2025-05-31T23:00:00Z',
    }],
    ['a grant expiring exactly now', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1' }, 'payments-eu', [grant({ expiresAt: NOW })], {
      permitted: false,
      refusal: 'break-glass grant #7 for ticket "INC-1" expired at 2025-06-01T00:00:00Z',
    }],
    ['a revoked grant', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1' }, 'payments-eu', [grant({ revokedAt: NOW - HOUR })], {
      permitted: false,
      refusal: 'break-glass grant #7 for ticket "INC-1" was revoked',
    }],
    ['a revoked grant next to an active one', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1' }, 'payments-eu', [grant({ revokedAt: NOW - HOUR }), grant({ id: 8 })], { permitted: true }],
    ['a grant needs a ticket even when tickets are not required', { ...enabled, requireTicket: false, requireGrant: true }, { requested: true, ticket: null }, 'payments-eu', [grant({})], {
      permitted: false,
      refusal: 'a ticket is required (annotation <prefix>.image-policy.k8s.io/ticket: <id>)',
    }],
  ])('%s', (_name, breakGlass, request, namespace, grants, expected) => {
    const policy = compilePolicy({ ...DEFAULT_POLICY, breakGlass }, 'test');
    expect(breakGlassPermission(request, namespace, policy, grants, NOW)).toEqual(expected);
  });
});
