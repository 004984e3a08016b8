import { auditAnnotations } from '../../src/core/audit-annotations';
import { decide } from '../../src/core/decide';
import { type ParsedRef, factsKey, parseImageRef } from '../../src/core/image-ref';
import { DEFAULT_POLICY, compilePolicy } from '../../src/core/policy';
import { MAX_REASON_LENGTH } from '../../src/core/reason-text';
import type {
  Approval,
  BreakGlassGrant,
  CompiledPolicy,
  Decision,
  Facts,
  Finding,
  ImageFacts,
  Policy,
  ReasonCode,
  ScanResult,
  TagResolution,
} from '../../src/core/types';
import { approvalFixture } from '../helpers/approval-fixture';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const DAY = 86_400_000;
const digest = (c: string): string => `sha256:${c.repeat(64)}`;
const D_API = digest('1');
const D_APP = digest('2');
const D_HUB = digest('3');
const D_WEB = digest('4');
const D_OLD = digest('5');
const D_PAY_OLD = digest('6');
const D_PAY_UNTAGGED = digest('7');
const PAYMENTS = 'registry.corp.example/payments/api';

const API = `registry.corp.example/payments/api:2.5.0@${D_API}`;
const APP = `registry.corp.example/app@${D_APP}`;
const APP_TAG = 'registry.corp.example/app:1.0';
const HUB = `nginx@${D_HUB}`;
const WEB = `registry.corp.example/web@${D_WEB}`;
const OLD = `registry.corp.example/old@${D_OLD}`;
const INVALID = 'Registry.corp.example/App:1.0';

const POLICY: Policy = {
  ...DEFAULT_POLICY,
  registries: ['registry.corp.example', 'localhost:5000'],
  scan: { required: true, maxAgeDays: 90, maxFindings: { CRITICAL: 0, HIGH: 5 }, ignoreUnfixed: false },
  versionFloors: [{ repository: 'registry.corp.example/payments/*', range: '>=2.4.1' }],
  breakGlass: { enabled: true, namespaces: ['*'], requireTicket: true, requireGrant: false },
  namespaces: [
    { match: 'kube-system', mode: 'exempt' },
    { match: 'image-reviewer', mode: 'exempt' },
    { match: 'dev-*', mode: 'dry-run' },
  ],
};

function approval(repository: string, d: string, over: Partial<Approval> = {}): Approval {
  return approvalFixture({ repository, digest: d, approvedAt: NOW - 10 * DAY, imageCreatedAt: NOW - 20 * DAY, ...over });
}

function scan(d: string, findings: readonly Finding[] = [], scannedAt = NOW - DAY): ScanResult {
  return { digest: d, scanner: 'trivy', scannedAt, findings };
}

const MUSL: Finding = { id: 'CVE-2019-14697', package: 'musl', installed: '1.1.22-r2', fixed: '1.1.22-r3', severity: 'CRITICAL' };

const STORE: ReadonlyMap<string, ImageFacts> = new Map([
  [factsKey(PAYMENTS, D_API), { approval: approval(PAYMENTS, D_API, { tag: '2.5.0' }), scan: scan(D_API) }],
  [factsKey(PAYMENTS, D_PAY_OLD), { approval: approval(PAYMENTS, D_PAY_OLD, { tag: '2.0.0' }), scan: scan(D_PAY_OLD) }],
  [factsKey(PAYMENTS, D_PAY_UNTAGGED), { approval: approval(PAYMENTS, D_PAY_UNTAGGED), scan: scan(D_PAY_UNTAGGED) }],
  [factsKey('registry.corp.example/web', D_WEB), {
    approval: approval('registry.corp.example/web', D_WEB),
    scan: scan(D_WEB, [MUSL, { ...MUSL, package: 'musl-utils' }]),
  }],
  [factsKey('registry.corp.example/old', D_OLD), {
    approval: approval('registry.corp.example/old', D_OLD, { revokedAt: NOW - DAY, revokedBy: 'bob', expiresAt: NOW - 2 * DAY }),
    scan: scan(D_OLD, [], NOW - 200 * DAY),
  }],
]);

interface Input {
  readonly images: readonly string[];
  readonly namespace?: string;
  readonly annotations?: Record<string, string>;
  readonly policy?: Partial<Policy>;
  readonly grants?: readonly BreakGlassGrant[];
  readonly tagResolutions?: ReadonlyMap<string, TagResolution>;
  readonly images_?: ReadonlyMap<string, ImageFacts>;
  readonly describe?: boolean;
  readonly references?: ReadonlyMap<string, ParsedRef>;
}

function compiled(over: Partial<Policy> = {}): CompiledPolicy {
  return compilePolicy({ ...POLICY, ...over }, 'test');
}

function run(input: Input): Decision {
  const facts: Facts = {
    images: input.images_ ?? STORE,
    tagResolutions: input.tagResolutions ?? new Map(),
    signatures: new Map(),
    exceptions: [],
    grants: input.grants ?? [],
  };
  const request = {
    namespace: input.namespace ?? 'prod',
    images: input.images,
    annotations: Object.assign(Object.create(null) as Record<string, string>, input.annotations ?? {}),
    user: null,
  };
  return decide(request, facts, compiled(input.policy), NOW, undefined, { describe: input.describe, references: input.references });
}

const codes = (decision: Decision): ReasonCode[][] => decision.images.map((image) => image.reasons.map((reason) => reason.code));

const GKE_BREAK_GLASS = { 'alpha.image-policy.k8s.io/break-glass': 'true', 'alpha.image-policy.k8s.io/ticket': 'INC-1' };
const TICKET_KEY_FORM = { 'mycluster.image-policy.k8s.io/ticket-1234': 'break-glass' };

describe('decide: enforce mode, one verdict per image with every failing check', () => {
  it.each<[string, Input, boolean, ReasonCode[][]]>([
    ['no containers', { images: [] }, true, []],
    ['an approved, scanned image', { images: [API] }, true, [[]]],
    ['an invalid reference stops at invalid-reference', { images: [INVALID] }, false, [['invalid-reference']]],
    ['a tag without digest: approval and scans cannot be judged', { images: [APP_TAG] }, false, [['digest-required']]],
    ['an unknown digest', { images: [APP] }, false, [['not-approved', 'scan-missing']]],
    ['a Docker Hub image: registry and approval both reported', { images: [HUB] }, false, [['registry-not-allowed', 'not-approved', 'scan-missing']]],
    ['critical findings', { images: [WEB] }, false, [['vulnerabilities']]],
    ['revoked, expired and stale at once', { images: [OLD] }, false, [['revoked', 'approval-expired', 'scan-stale']]],
    ['a payments digest approved below the floor', { images: [`${PAYMENTS}@${D_PAY_OLD}`] }, false, [['version-below-floor']]],
    ['a made-up tag on that digest changes nothing', { images: [`${PAYMENTS}:9.9.9@${D_PAY_OLD}`] }, false, [['version-below-floor']]],
    ['nor does latest', { images: [`${PAYMENTS}:latest@${D_PAY_OLD}`] }, false, [['version-below-floor']]],
    ['a low pod tag on a digest approved above the floor is allowed', { images: [`${PAYMENTS}:2.4.0@${D_API}`] }, true, [[]]],
    ['a payments digest approved without a tag has no known version', { images: [`${PAYMENTS}:2.5.0@${D_PAY_UNTAGGED}`] }, false, [['version-unknown']]],
    ['an unapproved payments digest: no version known either', { images: [`${PAYMENTS}:2.5.0@${D_APP}`] }, false, [['not-approved', 'scan-missing', 'version-unknown']]],
    ['an image built too long ago', { images: [API], policy: { images: { maxAgeDays: 14 } } }, false, [['image-too-old']]],
    ['the same digest in another repository is not approved (nor its version known)', { images: [`registry.corp.example/payments/other@${D_API}`] }, false, [['not-approved', 'scan-missing', 'version-unknown']]],
    ['scans not required: a missing scan is fine, findings still count', {
      images: [APP, WEB],
      policy: { scan: { ...POLICY.scan, required: false } },
    }, false, [['not-approved'], ['vulnerabilities']]],
    ['one bad image denies the pod', { images: [API, APP_TAG, HUB] }, false, [[], ['digest-required'], ['registry-not-allowed', 'not-approved', 'scan-missing']]],
    ['the built-in default allows no registry', { images: [API], policy: { ...DEFAULT_POLICY } }, false, [['registry-not-allowed']]],
  ])('%s', (_name, input, allowed, expected) => {
    const decision = run(input);
    expect(decision.allowed).toBe(allowed);
    expect(decision.mode).toBe('enforce');
    expect(codes(decision)).toEqual(expected);
    expect(decision.images.map((image) => image.allowed)).toEqual(expected.map((c) => c.length === 0));
    expect(decision.breakGlass.applied).toBe(false);
    expect(decision.overridden).toBeNull();
  });

  it('records repository, tag and judged digest for each image', () => {
    const decision = run({ images: [API, HUB, INVALID, APP_TAG] });
    expect(decision.images.map(({ image, repository, tag, digest: d }) => ({ image, repository, tag, digest: d }))).toEqual([
      { image: API, repository: 'registry.corp.example/payments/api', tag: '2.5.0', digest: D_API },
      { image: HUB, repository: 'docker.io/library/nginx', tag: null, digest: D_HUB },
      { image: INVALID, repository: null, tag: null, digest: null },
      { image: APP_TAG, repository: 'registry.corp.example/app', tag: '1.0', digest: null },
    ]);
  });

  it('lists every check in order, skipping those a missing digest makes impossible', () => {
    const [verdict] = run({ images: [APP_TAG] }).images;
    expect(verdict.checks.map((check) => `${check.name}:${check.outcome}`)).toEqual([
      'reference:pass',
      'registry:pass',
      'digest:fail',
      'tag-resolution:skip',
      'approval:skip',
      'revocation:skip',
      'approval-expiry:skip',
      'scan:skip',
      'scan-age:skip',
      'vulnerabilities:skip',
      'image-age:skip',
      'version-floor:skip',
      'signature:skip',
    ]);
    expect(verdict.reasons).toEqual([{ code: 'digest-required', message: 'tag "1.0" has no digest' }]);
  });

  it('records the policy hash', () => {
    expect(run({ images: [] }).policyHash).toBe(compiled().hash);
  });
});

describe('decide without descriptions of passed checks (the review path)', () => {
  const withoutChecks = (decision: Decision): unknown => ({ ...decision, images: decision.images.map(({ checks: _checks, ...image }) => image) });

  it.each<[string, Input]>([
    ['approved, denied, invalid and tag-only images', { images: [API, WEB, OLD, APP_TAG, HUB, INVALID, `${PAYMENTS}@${D_PAY_OLD}`] }],
    ['dry-run', { images: [WEB, APP], namespace: 'dev-team' }],
    ['break-glass', { images: [WEB, APP], annotations: GKE_BREAK_GLASS }],
    ['exempt', { images: [API], namespace: 'kube-system' }],
  ])('%s: the same decision, reason and failed checks; only passed and skipped checks lose their formatted message', (_name, input) => {
    const full = run(input);
    const bare = run({ ...input, describe: false });
    expect(withoutChecks(bare)).toEqual(withoutChecks(full));
    bare.images.forEach((image, i) => {
      const described = full.images[i]!.checks;
      expect(image.checks.map((check) => `${check.name}:${check.outcome}`)).toEqual(described.map((check) => `${check.name}:${check.outcome}`));
      image.checks.forEach((check, j) => {
        if (check.outcome === 'fail' || check.message !== '') expect(check).toEqual(described[j]);
      });
    });
    if (input.namespace !== 'kube-system') {
      expect(bare.images.flatMap((image) => image.checks).some((check) => check.outcome === 'pass' && check.message === '')).toBe(true);
      expect(full.images.flatMap((image) => image.checks).every((check) => check.message !== '')).toBe(true);
    }
  });
});

describe('decide with references its caller parsed', () => {
  it('decides as when it parses them itself, and parses those it is not given', () => {
    const images = [API, WEB, OLD, APP_TAG, HUB, INVALID];
    const references = new Map(images.slice(0, 4).map((image) => [image, parseImageRef(image)]));
    expect(run({ images, references })).toEqual(run({ images }));
  });
});

describe('decide: tags: resolve', () => {
  const resolve: Partial<Policy> = { tags: 'resolve' };
  const appFacts = new Map([...STORE, [factsKey('registry.corp.example/app', D_APP), { approval: approval('registry.corp.example/app', D_APP), scan: scan(D_APP) }]]);
  it.each<[string, ReadonlyMap<string, TagResolution>, boolean, ReasonCode[], string | null]>([
    ['a resolved tag is judged by its digest', new Map([[APP_TAG, { status: 'resolved', digest: D_APP }]]), true, [], D_APP],
    ['a tag resolved to an unapproved digest', new Map([[APP_TAG, { status: 'resolved', digest: D_HUB }]]), false, ['not-approved', 'scan-missing'], D_HUB],
    ['a registry failure denies with tag-unresolved', new Map([[APP_TAG, { status: 'failed', error: 'connect ECONNREFUSED' }]]), false, ['tag-unresolved'], null],
    ['no answer denies with tag-unresolved', new Map(), false, ['tag-unresolved'], null],
  ])('%s', (_name, tagResolutions, allowed, expected, judged) => {
    const decision = run({ images: [APP_TAG], policy: resolve, tagResolutions, images_: appFacts });
    expect(decision.allowed).toBe(allowed);
    expect(codes(decision)).toEqual([expected]);
    expect(decision.images[0].digest).toBe(judged);
  });
});

describe('decide: namespace modes', () => {
  const APP_DENIED =
    'registry.corp.example/app@sha256:222222222222…: not-approved (no approval for registry.corp.example/app@sha256:222222222222…), ' +
    'scan-missing (no scan of sha256:222222222222…)';
  it.each<[string, string, Partial<Policy>, Decision['mode'], boolean, string | null]>([
    ['kube-system is exempt', 'kube-system', {}, 'exempt', true, null],
    ["the reviewer's own namespace is exempt", 'image-reviewer', {}, 'exempt', true, null],
    ['dev-* is dry-run', 'dev-alice', {}, 'dry-run', true, APP_DENIED],
    ['other namespaces enforce', 'prod', {}, 'enforce', false, null],
    ['no namespace is judged under defaultMode', '', { defaultMode: 'dry-run' }, 'dry-run', true, APP_DENIED],
  ])('%s', (_name, namespace, policy, mode, allowed, overridden) => {
    const decision = run({ images: [APP], namespace, policy });
    expect(decision.mode).toBe(mode);
    expect(decision.allowed).toBe(allowed);
    expect(decision.overridden).toBe(overridden);
  });

  it('exempt runs no checks but still records parsed references', () => {
    const decision = run({ images: [HUB, INVALID], namespace: 'kube-system', annotations: GKE_BREAK_GLASS });
    expect(decision).toEqual({
      allowed: true,
      mode: 'exempt',
      namespace: 'kube-system',
      images: [
        { image: HUB, repository: 'docker.io/library/nginx', tag: null, digest: D_HUB, allowed: true, reasons: [], checks: [], signature: null },
        { image: INVALID, repository: null, tag: null, digest: null, allowed: true, reasons: [], checks: [], signature: null },
      ],
      breakGlass: { requested: true, applied: false, ticket: 'INC-1', refusal: null },
      reason: 'namespace kube-system is exempt',
      overridden: null,
      policyHash: compiled().hash,
    });
  });

  it('dry-run keeps the per-image verdicts it would have denied with', () => {
    const decision = run({ images: [API, HUB], namespace: 'dev-bob' });
    expect(decision.images.map((image) => image.allowed)).toEqual([true, false]);
    expect(codes(decision)).toEqual([[], ['registry-not-allowed', 'not-approved', 'scan-missing']]);
  });

  it('dry-run with nothing to deny is a plain allow', () => {
    const decision = run({ images: [API], namespace: 'dev-bob' });
    expect([decision.allowed, decision.reason, decision.overridden]).toEqual([true, '1 image approved', null]);
  });
});

describe('decide: break-glass', () => {
  const REFUSED = 'break-glass-refused';
  const bg = (over: Partial<Policy['breakGlass']>): Partial<Policy> => ({ breakGlass: { ...POLICY.breakGlass, ...over } });
  const grant = (over: Partial<BreakGlassGrant> = {}): BreakGlassGrant => ({
    id: 1,
    namespace: 'prod',
    ticket: 'INC-1',
    expiresAt: NOW + DAY,
    revokedAt: null,
    ...over,
  });

  it.each<[string, Input, boolean, boolean, ReasonCode[][], string | null]>([
    ['the GKE form with a ticket overrides', { images: [APP], annotations: GKE_BREAK_GLASS }, true, true, [['not-approved', 'scan-missing']], 'INC-1'],
    ['the ticket-key form overrides', { images: [WEB], annotations: TICKET_KEY_FORM }, true, true, [['vulnerabilities']], 'ticket-1234'],
    ['no ticket while one is required', { images: [APP], annotations: { 'alpha.image-policy.k8s.io/break-glass': 'true' } }, false, false, [['not-approved', 'scan-missing', REFUSED]], null],
    ['no ticket, none required', {
      images: [APP],
      annotations: { 'alpha.image-policy.k8s.io/break-glass': 'true' },
      policy: bg({ requireTicket: false }),
    }, true, true, [['not-approved', 'scan-missing']], null],
    ['disabled', { images: [APP], annotations: GKE_BREAK_GLASS, policy: bg({ enabled: false }) }, false, false, [['not-approved', 'scan-missing', REFUSED]], 'INC-1'],
    ['namespace not allowed', { images: [APP], annotations: GKE_BREAK_GLASS, policy: bg({ namespaces: ['payments-*'] }) }, false, false, [['not-approved', 'scan-missing', REFUSED]], 'INC-1'],
    ['grant required and present', { images: [APP], annotations: GKE_BREAK_GLASS, policy: bg({ requireGrant: true }), grants: [grant()] }, true, true, [['not-approved', 'scan-missing']], 'INC-1'],
    ['grant required, expired', {
      images: [APP],
      annotations: GKE_BREAK_GLASS,
      policy: bg({ requireGrant: true }),
      grants: [grant({ expiresAt: NOW - 1 })],
    }, false, false, [['not-approved', 'scan-missing', REFUSED]], 'INC-1'],
    ['grant required, revoked', {
      images: [APP],
      annotations: GKE_BREAK_GLASS,
      policy: bg({ requireGrant: true }),
      grants: [grant({ revokedAt: NOW - 1 })],
    }, false, false, [['not-approved', 'scan-missing', REFUSED]], 'INC-1'],
    ['grant required, wrong ticket', {
      images: [APP],
      annotations: GKE_BREAK_GLASS,
      policy: bg({ requireGrant: true }),
      grants: [grant({ ticket: 'INC-2' })],
    }, false, false, [['not-approved', 'scan-missing', REFUSED]], 'INC-1'],
    ['grant required, other namespace', {
      images: [APP],
      annotations: GKE_BREAK_GLASS,
      policy: bg({ requireGrant: true }),
      grants: [grant({ namespace: 'staging' })],
    }, false, false, [['not-approved', 'scan-missing', REFUSED]], 'INC-1'],
    ['registry-not-allowed is never overridden', { images: [HUB], annotations: GKE_BREAK_GLASS }, false, false, [['registry-not-allowed', 'not-approved', 'scan-missing']], 'INC-1'],
    ['invalid-reference is never overridden', { images: [INVALID], annotations: GKE_BREAK_GLASS }, false, false, [['invalid-reference']], 'INC-1'],
    ['one unoverridable image keeps the whole pod denied', { images: [APP, HUB], annotations: GKE_BREAK_GLASS }, false, false, [
      ['not-approved', 'scan-missing'],
      ['registry-not-allowed', 'not-approved', 'scan-missing'],
    ], 'INC-1'],
    ['nothing to override: not applied', { images: [API], annotations: GKE_BREAK_GLASS }, true, false, [[]], 'INC-1'],
    ['refused, but nothing to override: allowed, no refusal code', { images: [API], annotations: GKE_BREAK_GLASS, policy: bg({ enabled: false }) }, true, false, [[]], 'INC-1'],
  ])('%s', (_name, input, allowed, applied, expected, ticket) => {
    const decision = run(input);
    expect(decision.allowed).toBe(allowed);
    expect(decision.breakGlass.requested).toBe(true);
    expect(decision.breakGlass.applied).toBe(applied);
    expect(decision.breakGlass.ticket).toBe(ticket);
    expect(codes(decision)).toEqual(expected);
    expect(decision.overridden !== null).toBe(applied);
  });

  it('records the refusal on the outcome and on each denied image', () => {
    const decision = run({ images: [API, APP], annotations: GKE_BREAK_GLASS, policy: bg({ namespaces: ['payments-*'] }) });
    expect(decision.breakGlass).toEqual({ requested: true, applied: false, ticket: 'INC-1', refusal: 'break-glass is not allowed in namespace "prod"' });
    expect(decision.images[0].checks.some((check) => check.name === 'break-glass')).toBe(false);
    expect(decision.images[1].checks.at(-1)).toEqual({
      name: 'break-glass',
      outcome: 'fail',
      code: 'break-glass-refused',
      message: 'break-glass is not allowed in namespace "prod"',
    });
  });

  it('in a dry-run namespace, is weighed as enforce would: a refusal is part of what would be denied', () => {
    const decision = run({ images: [APP], namespace: 'dev-x', annotations: GKE_BREAK_GLASS, policy: bg({ enabled: false }) });
    expect([decision.allowed, decision.mode, decision.breakGlass.applied]).toEqual([true, 'dry-run', false]);
    expect(codes(decision)).toEqual([['not-approved', 'scan-missing', REFUSED]]);
  });
});

describe('decide: reason text', () => {
  it.each<[string, Input, string]>([
    ['no containers', { images: [] }, 'no containers to review'],
    ['one approved image', { images: [API] }, '1 image approved'],
    ['all approved', { images: [API, API] }, 'all 2 images approved'],
    ['exempt', { images: [HUB], namespace: 'kube-system' }, 'namespace kube-system is exempt'],
    ['denied images are named with why, passing ones are not', { images: [API, APP_TAG, HUB] }, [
      'registry.corp.example/app:1.0: digest-required (tag "1.0" has no digest)',
      'nginx@sha256:333333333333…: registry-not-allowed (docker.io is not an allowed registry), ' +
        'not-approved (no approval for docker.io/library/nginx@sha256:333333333333…), scan-missing (no scan of sha256:333333333333…)',
    ].join('; ')],
    ['a made-up tag on an old payments digest', { images: [`${PAYMENTS}:9.9.9@${D_PAY_OLD}`] },
      'registry.corp.example/payments/api:9.9.9@sha256:666666666666…: version-below-floor (approved tag "2.0.0" is outside ">=2.4.1"; the pod\'s tag "9.9.9" is not judged)'],
    ['a payments digest approved without a tag', { images: [`${PAYMENTS}@${D_PAY_UNTAGGED}`] },
      'registry.corp.example/payments/api@sha256:777777777777…: version-unknown (approved without a tag: no version on record (floor ">=2.4.1"))'],
    ['vulnerabilities name counts, ceilings and IDs', { images: [WEB] }, 'registry.corp.example/web@sha256:444444444444…: vulnerabilities (2 CRITICAL > 0 (CVE-2019-14697 ×2))'],
    ['an invalid reference', { images: [INVALID] }, 'Registry.corp.example/App:1.0: invalid-reference (repository name must be lowercase)'],
    ['dry-run', { images: [APP_TAG], namespace: 'dev-a' }, 'dry-run: would deny: registry.corp.example/app:1.0: digest-required (tag "1.0" has no digest)'],
    ['break-glass', { images: [APP_TAG], annotations: GKE_BREAK_GLASS }, 'break-glass (ticket INC-1): allowed despite: registry.corp.example/app:1.0: digest-required (tag "1.0" has no digest)'],
    ['break-glass without ticket', {
      images: [APP_TAG],
      annotations: { 'alpha.image-policy.k8s.io/break-glass': 'true' },
      policy: { breakGlass: { ...POLICY.breakGlass, requireTicket: false } },
    }, 'break-glass (no ticket): allowed despite: registry.corp.example/app:1.0: digest-required (tag "1.0" has no digest)'],
    ['break-glass refused', { images: [APP_TAG], annotations: { 'alpha.image-policy.k8s.io/break-glass': 'true' } },
      'registry.corp.example/app:1.0: digest-required (tag "1.0" has no digest), break-glass-refused (a ticket is required (annotation <prefix>.image-policy.k8s.io/ticket: <id>))'],
    ['break-glass with an over-long ticket is refused, the ticket not repeated', {
      images: [APP_TAG],
      annotations: { 'alpha.image-policy.k8s.io/break-glass': 'true', 'alpha.image-policy.k8s.io/ticket': 'X'.repeat(200_000) },
    }, 'registry.corp.example/app:1.0: digest-required (tag "1.0" has no digest), break-glass-refused (the ticket in annotation alpha.image-policy.k8s.io/ticket is not valid (at most 128 printable characters without spaces))'],
    ['the ambiguous ticket: break-glass asks for nothing', { images: [APP_TAG], annotations: { 'alpha.image-policy.k8s.io/ticket': 'break-glass' } },
      'registry.corp.example/app:1.0: digest-required (tag "1.0" has no digest)'],
    ['break-glass facing a foreign registry', { images: [APP_TAG, `docker.io/library/redis@${D_HUB}`], annotations: GKE_BREAK_GLASS }, [
      'registry.corp.example/app:1.0: digest-required (tag "1.0" has no digest)',
      'docker.io/library/redis@sha256:333333333333…: registry-not-allowed (docker.io is not an allowed registry), ' +
        'not-approved (no approval for docker.io/library/redis@sha256:333333333333…), scan-missing (no scan of sha256:333333333333…)',
      'break-glass never overrides registry-not-allowed',
    ].join('; ')],
  ])('%s', (_name, input, reason) => {
    expect(run(input).reason).toBe(reason);
  });

  it('escapes control and bidi characters in hostile image strings', () => {
    const decision = run({ images: ['evil\n\u001b[31mimage\u202e:1'] });
    expect(decision.reason).toBe(
      'evil\\n\\x1b[31mimage\\u202e:1: invalid-reference (reference contains whitespace)',
    );
  });

  it('truncates a long image string to about 200 characters', () => {
    const long = `registry.corp.example/${'a'.repeat(300)}:1.0`;
    const [shown] = run({ images: [long] }).reason.split(': ');
    expect(shown).toHaveLength(200);
    expect(shown.endsWith('…')).toBe(true);
  });

  it('caps the reason at 4 KB and counts the images left out', () => {
    const images = Array.from({ length: 100 }, (_, i) => `registry.corp.example/app-${i}:1.0`);
    const { reason } = run({ images });
    expect(reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
    const shown = reason.split('; ').filter((part) => part.startsWith('registry.corp.example/')).length;
    expect(reason.endsWith(`; … and ${100 - shown} more images`)).toBe(true);
    expect(shown).toBeGreaterThan(40);
  });

  it('caps dry-run and break-glass reasons, and the overridden text, the same way', () => {
    const images = Array.from({ length: 100 }, (_, i) => `registry.corp.example/app-${i}:1.0`);
    for (const decision of [run({ images, namespace: 'dev-a' }), run({ images, annotations: GKE_BREAK_GLASS })]) {
      expect(decision.allowed).toBe(true);
      expect(decision.reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
      expect(decision.reason).toMatch(/; … and \d+ more images$/);
      expect((decision.overridden ?? '').length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
    }
  });
});

describe('auditAnnotations', () => {
  it.each<[string, Input, Record<string, string>]>([
    ['a plain allow', { images: [API] }, { 'decision-id': '42' }],
    ['a plain deny', { images: [APP_TAG] }, { 'decision-id': '42' }],
    ['exempt', { images: [HUB], namespace: 'kube-system' }, { 'decision-id': '42' }],
    ['dry-run that would deny', { images: [APP_TAG], namespace: 'dev-a' }, {
      'decision-id': '42',
      'dry-run': 'true',
      'overridden-verification-result': 'registry.corp.example/app:1.0: digest-required (tag "1.0" has no digest)',
    }],
    ['dry-run with nothing to deny', { images: [API], namespace: 'dev-a' }, { 'decision-id': '42' }],
    ['break-glass applied', { images: [APP_TAG], annotations: GKE_BREAK_GLASS }, {
      'decision-id': '42',
      'break-glass': 'true',
      ticket: 'INC-1',
      'overridden-verification-result': 'registry.corp.example/app:1.0: digest-required (tag "1.0" has no digest)',
    }],
    ['break-glass refused keeps the ticket for the audit', { images: [APP_TAG], annotations: GKE_BREAK_GLASS, policy: { breakGlass: { ...POLICY.breakGlass, enabled: false } } }, {
      'decision-id': '42',
      ticket: 'INC-1',
    }],
  ])('%s', (_name, input, expected) => {
    const annotations = auditAnnotations(run(input), '42');
    expect(annotations).toEqual(expected);
    for (const key of Object.keys(annotations)) {
      expect(key).not.toContain('/');
      expect(key.length).toBeLessThanOrEqual(63);
    }
  });
});
