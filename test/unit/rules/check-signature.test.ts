// SPEC §4 `signature-missing` and Precedence, §5 `signatures`: what a signatures entry asks of a digest, as decide
// reports it (exact reasons), for evidence recorded at approval, an operator override, and review-time verification.
import { decide } from '../../../src/core/decide';
import { factsKey } from '../../../src/core/image-ref';
import { needsSignatureCheck } from '../../../src/core/needs-signature-check';
import { DEFAULT_POLICY, compilePolicy } from '../../../src/core/policy';
import type { Approval, CompiledPolicy, Decision, ImageFacts, SignatureEvidence, SignatureRule, SignatureVerification } from '../../../src/core/types';
import { approvalFixture } from '../../helpers/approval-fixture';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const DIGEST = `sha256:${'5'.repeat(64)}`;
const REPOSITORY = 'registry.corp.example/payments/api';
const IMAGE = `${REPOSITORY}@${DIGEST}`;
const KEY = factsKey(REPOSITORY, DIGEST);
const EVIDENCE: SignatureEvidence = { signers: ['release.pub'], artifacts: [`sha256:${'9'.repeat(64)}`], verifiedAt: NOW - 60_000 };
const VERIFIED: SignatureVerification = { status: 'verified', evidence: EVIDENCE };

function policy(approves: boolean, floors = false): CompiledPolicy {
  const rule: SignatureRule = {
    repository: 'registry.corp.example/payments/*',
    keys: ['release.pub'],
    keyless: [],
    trustedRoot: null,
    threshold: 1,
    transparencyLog: 'skip',
    approves,
  };
  return compilePolicy({
    ...DEFAULT_POLICY,
    registries: ['registry.corp.example'],
    scan: { ...DEFAULT_POLICY.scan, required: false },
    versionFloors: floors ? [{ repository: 'registry.corp.example/payments/*', range: '>=2.0.0' }] : [],
    signatures: [rule],
  }, 'test');
}

function approval(over: Partial<Approval> = {}): Approval {
  return approvalFixture({ repository: REPOSITORY, digest: DIGEST, approvedAt: NOW - 86_400_000, ...over });
}

function judge(compiled: CompiledPolicy, facts: ImageFacts, signature?: SignatureVerification, image = IMAGE): Decision {
  return decide(
    { namespace: 'prod', images: [image], annotations: Object.create(null) as Record<string, string>, user: null },
    {
      images: new Map([[KEY, facts]]),
      tagResolutions: new Map(),
      signatures: new Map(signature === undefined ? [] : [[KEY, signature]]),
      exceptions: [],
      grants: [],
    },
    compiled,
    NOW,
  );
}

function outcome(decision: Decision): readonly unknown[] {
  const [image] = decision.images;
  const checks = Object.fromEntries(image!.checks.map((check) => [check.name, `${check.outcome}: ${check.message}`]));
  return [decision.allowed, image!.reasons.map((reason) => `${reason.code} (${reason.message})`), checks.approval, checks.signature];
}

describe('signature check (approves: false)', () => {
  it('denies an approval made without signature evidence', () => {
    expect(outcome(judge(policy(false), { approval: approval(), scan: null }))).toEqual([
      false,
      [`signature-missing (no signature evidence recorded at approval for ${IMAGE})`],
      'pass: approved by alice at 2025-05-31T00:00:00Z',
      `fail: no signature evidence recorded at approval for ${IMAGE}`,
    ]);
  });

  it('passes evidence recorded at approval, naming who signed', () => {
    const signed = approval({ signature: { kind: 'verified', evidence: EVIDENCE } });
    expect(outcome(judge(policy(false), { approval: signed, scan: null }))).toEqual([
      true,
      [],
      'pass: approved by alice at 2025-05-31T00:00:00Z',
      'pass: signed by release.pub at 2025-05-31T23:59:00Z (verified at approval)',
    ]);
  });

  it('passes an operator’s recorded --allow-unsigned, and says so', () => {
    const overridden = approval({ approvedBy: 'bob', signature: { kind: 'unsigned-allowed', by: 'bob' } });
    expect(outcome(judge(policy(false), { approval: overridden, scan: null }))[3]).toBe('pass: unsigned, allowed by bob');
  });

  it('does not let a signature approve when the entry does not say approves: true', () => {
    expect(outcome(judge(policy(false), { approval: null, scan: null }, VERIFIED))).toEqual([
      false,
      [`not-approved (no approval for ${IMAGE})`],
      `fail: no approval for ${IMAGE}`,
      `pass: signed by release.pub at 2025-05-31T23:59:00Z (verified at review: sha256:${'9'.repeat(64)})`,
    ]);
  });

  it('skips repositories without an entry', () => {
    const other = `registry.corp.example/web@${DIGEST}`;
    const decision = judge(policy(false), { approval: null, scan: null }, undefined, other);
    expect(decision.images[0]!.checks.find((check) => check.name === 'signature')).toEqual({
      name: 'signature',
      outcome: 'skip',
      message: 'no signatures entry for registry.corp.example/web',
    });
  });
});

describe('signature check (approves: true)', () => {
  it('lets a verified signature approve a digest nobody approved', () => {
    expect(outcome(judge(policy(true), { approval: null, scan: null }, VERIFIED))).toEqual([
      true,
      [],
      'pass: approved by signature: signed by release.pub at 2025-05-31T23:59:00Z',
      `pass: signed by release.pub at 2025-05-31T23:59:00Z (verified at review: sha256:${'9'.repeat(64)})`,
    ]);
  });

  it('denies with the verification failure when the signature does not verify', () => {
    const failed: SignatureVerification = { status: 'failed', error: 'no valid signature: signature sha256:… layers[0]: not signed by release.pub' };
    expect(outcome(judge(policy(true), { approval: null, scan: null }, failed))).toEqual([
      false,
      [
        `not-approved (no approval for ${IMAGE})`,
        'signature-missing (no valid signature: signature sha256:… layers[0]: not signed by release.pub)',
      ],
      `fail: no approval for ${IMAGE}`,
      'fail: no valid signature: signature sha256:… layers[0]: not signed by release.pub',
    ]);
  });

  it('keeps a revoked digest revoked however well it is signed (SPEC §4 Precedence)', () => {
    const revoked = approval({ revokedAt: NOW - 1000, revokedBy: 'carol', revokeReason: 'CVE-2025-1' });
    const decision = judge(policy(true), { approval: revoked, scan: null }, VERIFIED);
    expect([decision.allowed, decision.images[0]!.reasons.map((reason) => reason.code)]).toEqual([false, ['revoked']]);
  });

  it('still needs a known version in a floored repository: a signature records none', () => {
    const decision = judge(policy(true, true), { approval: null, scan: null }, VERIFIED);
    expect([decision.allowed, decision.images[0]!.reasons.map((reason) => reason.code)]).toEqual([false, ['version-unknown']]);
  });
});

describe('needsSignatureCheck: when the reviewer asks the registry itself', () => {
  const table: readonly [string, boolean, Approval | null, boolean][] = [
    ['approves: false never', false, null, false],
    ['no approval', true, null, true],
    ['approval without evidence', true, approval(), true],
    ['approval with evidence', true, approval({ signature: { kind: 'unsigned-allowed', by: 'bob' } }), false],
    ['revoked approval', true, approval({ revokedAt: NOW - 1 }), false],
    ['expired approval', true, approval({ expiresAt: NOW }), false],
  ];
  it.each(table)('%s', (_name, approves, current, expected) => {
    expect(needsSignatureCheck(REPOSITORY, current, policy(approves), NOW)).toBe(expected);
  });
  it('not for repositories without an entry', () => {
    expect(needsSignatureCheck('registry.corp.example/web', null, policy(true), NOW)).toBe(false);
  });
});

describe('the signature evidence a verdict records (audit row, migration 0007)', () => {
  const signatureOf = (decision: Decision) => decision.images[0]!.signature;

  it('records the evidence weighed, approval first, and nothing where no entry matches', () => {
    const recorded = approval({ signature: { kind: 'verified', evidence: EVIDENCE } });
    expect(signatureOf(judge(policy(true), { approval: recorded, scan: null }, VERIFIED))).toEqual({ source: 'approval', kind: 'verified', ...EVIDENCE });
    const override = approval({ signature: { kind: 'unsigned-allowed', by: 'alice' } });
    expect(signatureOf(judge(policy(false), { approval: override, scan: null }))).toEqual({ source: 'approval', kind: 'unsigned-allowed', by: 'alice' });
    expect(signatureOf(judge(policy(true), { approval: null, scan: null }, VERIFIED))).toEqual({ source: 'review', kind: 'verified', ...EVIDENCE });
    expect(signatureOf(judge(policy(true), { approval: null, scan: null }, { status: 'failed', error: 'no signature found' })))
      .toEqual({ source: 'review', kind: 'failed', error: 'no signature found' });
    expect(signatureOf(judge(policy(false), { approval: approval(), scan: null }))).toBeNull();
    const elsewhere = 'registry.corp.example/web/app@' + DIGEST;
    expect(signatureOf(judge(policy(true), { approval: null, scan: null }, VERIFIED, elsewhere))).toBeNull();
  });
});
