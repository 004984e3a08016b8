import { factsKey } from '../../../src/core/image-ref';
import { DEFAULT_POLICY, compilePolicy } from '../../../src/core/policy';
import { fail } from '../../../src/core/rules/check-result';
import { exemptImage, judgeImage, withCheck } from '../../../src/core/rules/judge-image';
import type { Facts, ImageVerdict } from '../../../src/core/types';
import { approvalFixture } from '../../helpers/approval-fixture';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const DIGEST = `sha256:${'0f'.repeat(32)}`;
const REPOSITORY = 'registry.corp.example/app';

const FACTS: Facts = {
  images: new Map([[
    factsKey(REPOSITORY, DIGEST),
    {
      approval: approvalFixture({ repository: REPOSITORY, digest: DIGEST, tag: '1.2.3', approvedAt: NOW - 1000 }),
      scan: { digest: DIGEST, scanner: 'grype', scannedAt: NOW - 1000, findings: [] },
    },
  ]]),
  tagResolutions: new Map(),
  signatures: new Map(),
  exceptions: [],
  grants: [],
};

const env = { facts: FACTS, exceptions: [], policy: compilePolicy({ ...DEFAULT_POLICY, registries: ['registry.corp.example'] }, 'test'), now: NOW, describe: true };

describe('judgeImage', () => {
  it('stops at invalid-reference: no other check runs on an unparseable image', () => {
    expect(judgeImage('registry.corp.example/App', env)).toEqual({
      image: 'registry.corp.example/App',
      repository: null,
      tag: null,
      digest: null,
      allowed: false,
      reasons: [{ code: 'invalid-reference', message: 'repository name must be lowercase' }],
      checks: [{ name: 'reference', outcome: 'fail', code: 'invalid-reference', message: 'repository name must be lowercase' }],
      signature: null,
    });
  });

  it('passes an approved, scanned digest, listing every check', () => {
    const verdict = judgeImage(`${REPOSITORY}@${DIGEST}`, env);
    expect([verdict.allowed, verdict.reasons]).toEqual([true, []]);
    expect(verdict.checks).toEqual([
      { name: 'reference', outcome: 'pass', message: 'repository registry.corp.example/app' },
      { name: 'registry', outcome: 'pass', message: 'registry.corp.example is an allowed registry' },
      { name: 'digest', outcome: 'pass', message: `pinned to ${DIGEST}` },
      { name: 'tag-resolution', outcome: 'skip', message: 'the reference has a digest' },
      { name: 'approval', outcome: 'pass', message: 'approved by alice at 2025-05-31T23:59:59Z' },
      { name: 'revocation', outcome: 'pass', message: 'not revoked' },
      { name: 'approval-expiry', outcome: 'pass', message: 'the approval does not expire' },
      { name: 'scan', outcome: 'pass', message: 'grype scan of 2025-05-31T23:59:59Z' },
      { name: 'scan-age', outcome: 'pass', message: 'scanned at 2025-05-31T23:59:59Z (0 days ago), within 90 days' },
      { name: 'vulnerabilities', outcome: 'pass', message: '0 CRITICAL ≤ 0' },
      { name: 'image-age', outcome: 'skip', message: 'images.maxAgeDays is 0 (off)' },
      { name: 'version-floor', outcome: 'skip', message: 'no version floor for registry.corp.example/app' },
      { name: 'signature', outcome: 'skip', message: 'no signatures entry for registry.corp.example/app' },
    ]);
  });

  it('ignores tag resolutions unless the policy resolves tags', () => {
    const facts: Facts = { ...FACTS, tagResolutions: new Map([[`${REPOSITORY}:1.2.3`, { status: 'resolved', digest: DIGEST }]]) };
    const verdict = judgeImage(`${REPOSITORY}:1.2.3`, { ...env, facts });
    expect([verdict.digest, verdict.reasons.map((r) => r.code)]).toEqual([null, ['digest-required']]);
  });
});

describe('exemptImage', () => {
  it.each<[string, ImageVerdict]>([
    [`${REPOSITORY}:1.2.3@${DIGEST}`, { image: `${REPOSITORY}:1.2.3@${DIGEST}`, repository: REPOSITORY, tag: '1.2.3', digest: DIGEST, allowed: true, reasons: [], checks: [], signature: null }],
    ['not a reference!', { image: 'not a reference!', repository: null, tag: null, digest: null, allowed: true, reasons: [], checks: [], signature: null }],
  ])('%s', (image, expected) => {
    expect(exemptImage(image)).toEqual(expected);
  });
});

describe('withCheck', () => {
  it('adds a failing check and its reason, and denies the image', () => {
    const verdict = withCheck(judgeImage(`${REPOSITORY}@${DIGEST}`, env), fail('break-glass', 'break-glass-refused', 'break-glass is disabled by policy'));
    expect([verdict.allowed, verdict.reasons, verdict.checks.length]).toEqual([
      false,
      [{ code: 'break-glass-refused', message: 'break-glass is disabled by policy' }],
      14,
    ]);
  });
});
