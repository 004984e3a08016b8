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
    ['no annotations', {}, { requested: false, ticket: null, ticketProblem: null }],
    ['the GKE form', { 'alpha.image-policy.k8s.io/break-glass': 'true' }, { requested: true, ticket: null, ticketProblem: null }],
    ['the GKE form with a ticket', { 'alpha.image-policy.k8s.io/break-glass': 'true', 'alpha.image-policy.k8s.io/ticket': 'INC-1' }, { requested: true, ticket: 'INC-1', ticketProblem: null }],
    ['any prefix counts', { 'mycluster.image-policy.k8s.io/break-glass': 'true' }, { requested: true, ticket: null, ticketProblem: null }],
    ['a value other than "true" does not ask', { 'alpha.image-policy.k8s.io/break-glass': 'yes' }, { requested: false, ticket: null, ticketProblem: null }],
    ['"True" is not "true"', { 'alpha.image-policy.k8s.io/break-glass': 'True' }, { requested: false, ticket: null, ticketProblem: null }],
    ['the value form names the ticket by its key', { 'mycluster.image-policy.k8s.io/ticket-1234': 'break-glass' }, { requested: true, ticket: 'ticket-1234', ticketProblem: null }],
    ['an explicit ticket wins over the key-named one', {
      'mycluster.image-policy.k8s.io/ticket-1234': 'break-glass',
      'mycluster.image-policy.k8s.io/ticket': ' INC-9 ',
    }, { requested: true, ticket: 'INC-9', ticketProblem: null }],
    ['a ticket alone does not ask for break-glass', { 'alpha.image-policy.k8s.io/ticket': 'INC-1' }, { requested: false, ticket: null, ticketProblem: null }],
    ['an empty ticket is no ticket', { 'alpha.image-policy.k8s.io/break-glass': 'true', 'alpha.image-policy.k8s.io/ticket': '  ' }, { requested: true, ticket: null, ticketProblem: null }],
    ['a key without the .image-policy.k8s.io/ marker is ignored', { 'image-policy.k8s.io/break-glass': 'true', 'example.com/INC-1': 'break-glass' }, { requested: false, ticket: null, ticketProblem: null }],
    ['a look-alike domain is ignored', { 'alpha.image-policy.k8s.io.evil/break-glass': 'true' }, { requested: false, ticket: null, ticketProblem: null }],
    ['two key-named tickets: the first in sorted order', {
      'b.image-policy.k8s.io/INC-2': 'break-glass',
      'a.image-policy.k8s.io/INC-1': 'break-glass',
    }, { requested: true, ticket: 'INC-1', ticketProblem: null }],
    ['break-glass as the value of the break-glass key names no ticket', { 'alpha.image-policy.k8s.io/break-glass': 'break-glass' }, { requested: true, ticket: null, ticketProblem: null }],
    // Keys are read as Kubernetes validates them, and only keys of ours count.
    ['a key with two slashes is not ours', { 'evil.com/x.image-policy.k8s.io/break-glass': 'true' }, { requested: false, ticket: null, ticketProblem: null }],
    ['nor is a value-form key with two slashes', { 'evil.com/x.image-policy.k8s.io/INC-1': 'break-glass' }, { requested: false, ticket: null, ticketProblem: null }],
    ['an uppercase prefix is not a DNS subdomain', { 'ALPHA.image-policy.k8s.io/break-glass': 'true' }, { requested: false, ticket: null, ticketProblem: null }],
    ['an empty label in the prefix', { 'a..image-policy.k8s.io/break-glass': 'true' }, { requested: false, ticket: null, ticketProblem: null }],
    ['a name longer than 63 characters', { [`alpha.image-policy.k8s.io/${'t'.repeat(64)}`]: 'break-glass' }, { requested: false, ticket: null, ticketProblem: null }],
    ['a name of 63 characters names its ticket', { [`alpha.image-policy.k8s.io/${'t'.repeat(63)}`]: 'break-glass' }, { requested: true, ticket: 't'.repeat(63), ticketProblem: null }],
    ['a name that does not end alphanumeric', { 'alpha.image-policy.k8s.io/INC-1-': 'break-glass' }, { requested: false, ticket: null, ticketProblem: null }],
    ['an empty name', { 'alpha.image-policy.k8s.io/': 'break-glass' }, { requested: false, ticket: null, ticketProblem: null }],
    ['a prefix longer than 253 characters', { [`${'a'.repeat(234)}.image-policy.k8s.io/break-glass`]: 'true' }, { requested: false, ticket: null, ticketProblem: null }],
    ['a prefix of 253 characters', { [`${'a'.repeat(233)}.image-policy.k8s.io/break-glass`]: 'true' }, { requested: true, ticket: null, ticketProblem: null }],
    // `…/ticket: break-glass` fits both forms: ambiguous, so it asks for nothing.
    ['ticket: break-glass is ambiguous and asks for nothing', { 'x.image-policy.k8s.io/ticket': 'break-glass' }, { requested: false, ticket: null, ticketProblem: null }],
    ['nor names a ticket when break-glass is asked for otherwise', {
      'x.image-policy.k8s.io/break-glass': 'true',
      'x.image-policy.k8s.io/ticket': 'break-glass',
    }, { requested: true, ticket: null, ticketProblem: null }],
    // Tickets: at most 128 printable characters without spaces.
    ['a ticket of 128 characters', { 'a.image-policy.k8s.io/break-glass': 'true', 'a.image-policy.k8s.io/ticket': 'T'.repeat(128) }, { requested: true, ticket: 'T'.repeat(128), ticketProblem: null }],
    ['a ticket of 129 characters is a problem, not a ticket', { 'a.image-policy.k8s.io/break-glass': 'true', 'a.image-policy.k8s.io/ticket': 'T'.repeat(129) }, {
      requested: true,
      ticket: null,
      ticketProblem: 'the ticket in annotation a.image-policy.k8s.io/ticket is not valid (at most 128 printable characters without spaces)',
    }],
    ['a ticket with a space', { 'a.image-policy.k8s.io/break-glass': 'true', 'a.image-policy.k8s.io/ticket': 'bad ticket' }, {
      requested: true,
      ticket: null,
      ticketProblem: 'the ticket in annotation a.image-policy.k8s.io/ticket is not valid (at most 128 printable characters without spaces)',
    }],
    ['a ticket with a control character', { 'a.image-policy.k8s.io/break-glass': 'true', 'a.image-policy.k8s.io/ticket': 'INC\u001b[31m' }, {
      requested: true,
      ticket: null,
      ticketProblem: 'the ticket in annotation a.image-policy.k8s.io/ticket is not valid (at most 128 printable characters without spaces)',
    }],
    ['keys without a prefix are not ours', { 'break-glass': 'true', ticket: 'INC-1', 'INC-2': 'break-glass' }, { requested: false, ticket: null, ticketProblem: null }],
    ['other annotations of ours ask for nothing', {
      'team.image-policy.k8s.io/owner': 'payments',
      'team.image-policy.k8s.io/break-glass': 'true',
      'team.image-policy.k8s.io/ticket': 'INC-3',
    }, { requested: true, ticket: 'INC-3', ticketProblem: null }],
    ['a bad ticket without a request is ignored', { 'a.image-policy.k8s.io/ticket': 'bad ticket' }, { requested: false, ticket: null, ticketProblem: null }],
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
    ['permitted with a ticket', enabled, { requested: true, ticket: 'INC-1', ticketProblem: null }, 'payments-eu', [], { permitted: true }],
    ['disabled', { ...enabled, enabled: false }, { requested: true, ticket: 'INC-1', ticketProblem: null }, 'payments-eu', [], {
      permitted: false,
      refusal: 'break-glass is disabled by policy',
    }],
    ['namespace not allowed', enabled, { requested: true, ticket: 'INC-1', ticketProblem: null }, 'default', [], {
      permitted: false,
      refusal: 'break-glass is not allowed in namespace "default"',
    }],
    ['ticket missing', enabled, { requested: true, ticket: null, ticketProblem: null }, 'checkout', [], {
      permitted: false,
      refusal: 'a ticket is required (annotation <prefix>.image-policy.k8s.io/ticket: <id>)',
    }],
    ['no ticket needed', { ...enabled, requireTicket: false }, { requested: true, ticket: null, ticketProblem: null }, 'checkout', [], { permitted: true }],
    ['a grant matches namespace glob and ticket', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1', ticketProblem: null }, 'payments-eu', [grant({})], { permitted: true }],
    ['a grant is required and none exists', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1', ticketProblem: null }, 'payments-eu', [], {
      permitted: false,
      refusal: 'no break-glass grant for ticket "INC-1" in namespace "payments-eu"',
    }],
    ['a grant for another ticket', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-2', ticketProblem: null }, 'payments-eu', [grant({})], {
      permitted: false,
      refusal: 'no break-glass grant for ticket "INC-2" in namespace "payments-eu"',
    }],
    ['a grant for another namespace', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1', ticketProblem: null }, 'checkout', [grant({})], {
      permitted: false,
      refusal: 'no break-glass grant for ticket "INC-1" in namespace "checkout"',
    }],
    ['an expired grant', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1', ticketProblem: null }, 'payments-eu', [grant({ expiresAt: NOW - HOUR })], {
      permitted: false,
      refusal: 'break-glass grant #7 for ticket "INC-1" expired at 2025-05-31T23:00:00Z',
    }],
    ['a grant expiring exactly now', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1', ticketProblem: null }, 'payments-eu', [grant({ expiresAt: NOW })], {
      permitted: false,
      refusal: 'break-glass grant #7 for ticket "INC-1" expired at 2025-06-01T00:00:00Z',
    }],
    ['a revoked grant', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1', ticketProblem: null }, 'payments-eu', [grant({ revokedAt: NOW - HOUR })], {
      permitted: false,
      refusal: 'break-glass grant #7 for ticket "INC-1" was revoked',
    }],
    ['a revoked grant next to an active one', { ...enabled, requireGrant: true }, { requested: true, ticket: 'INC-1', ticketProblem: null }, 'payments-eu', [grant({ revokedAt: NOW - HOUR }), grant({ id: 8 })], { permitted: true }],
    ['a grant needs a ticket even when tickets are not required', { ...enabled, requireTicket: false, requireGrant: true }, { requested: true, ticket: null, ticketProblem: null }, 'payments-eu', [grant({})], {
      permitted: false,
      refusal: 'a ticket is required (annotation <prefix>.image-policy.k8s.io/ticket: <id>)',
    }],
    ['a malformed ticket is refused even where no ticket is required', { ...enabled, requireTicket: false }, {
      requested: true,
      ticket: null,
      ticketProblem: 'the ticket in annotation a.image-policy.k8s.io/ticket is not valid (at most 128 printable characters without spaces)',
    }, 'checkout', [], {
      permitted: false,
      refusal: 'the ticket in annotation a.image-policy.k8s.io/ticket is not valid (at most 128 printable characters without spaces)',
    }],
  ])('%s', (_name, breakGlass, request, namespace, grants, expected) => {
    const policy = compilePolicy({ ...DEFAULT_POLICY, breakGlass }, 'test');
    expect(breakGlassPermission(request, namespace, policy, grants, NOW)).toEqual(expected);
  });
});
