import { DEFAULT_POLICY } from '../../../src/core/policy';
import { checkApproval } from '../../../src/core/rules/check-approval';
import { checkApprovalExpiry } from '../../../src/core/rules/check-approval-expiry';
import { checkRevocation } from '../../../src/core/rules/check-revocation';
import { checkScanAge } from '../../../src/core/rules/check-scan-age';
import { checkScanPresent } from '../../../src/core/rules/check-scan-present';
import type { ImageContext, ImageRule } from '../../../src/core/rules/image-context';
import type { Approval, Check, Policy, ScanResult } from '../../../src/core/types';
import { approvalFixture } from '../../helpers/approval-fixture';
import { imageContext } from '../../helpers/image-context';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const DAY = 86_400_000;
const DIGEST = `sha256:${'ab12cd34'.repeat(8)}`;
const REPOSITORY = 'registry.corp.example/app';

const APPROVAL = approvalFixture({
  repository: REPOSITORY,
  digest: DIGEST,
  tag: '1.0.0',
  approvedAt: Date.parse('2025-05-01T09:30:00Z'),
  reason: 'release 1.0.0',
});

const SCAN: ScanResult = { digest: DIGEST, scanner: 'trivy', scannedAt: NOW - 10 * DAY, findings: [] };

interface Case {
  readonly digest?: string | null;
  readonly approval?: Approval | null;
  readonly scan?: ScanResult | null;
  readonly scanPolicy?: Partial<Policy['scan']>;
}

function context({ digest = DIGEST, approval = null, scan = null, scanPolicy = {} }: Case): ImageContext {
  const image = digest === null ? `${REPOSITORY}:1.0.0` : `${REPOSITORY}@${digest}`;
  return imageContext(image, { digest, facts: { approval, scan }, policy: { scan: { ...DEFAULT_POLICY.scan, ...scanPolicy } }, now: NOW });
}

function run(rule: ImageRule, cases: readonly (readonly [string, Case, Check])[]): void {
  it.each(cases)('%s', (_name, input, expected) => {
    expect(rule(context(input))).toEqual(expected);
  });
}

describe('checkApproval (not-approved)', () => {
  run(checkApproval, [
    ['no digest: cannot be looked up', { digest: null }, { name: 'approval', outcome: 'skip', message: 'no digest to look up' }],
    ['no approval', {}, { name: 'approval', outcome: 'fail', code: 'not-approved', message: `no approval for ${REPOSITORY}@${DIGEST}` }],
    ['approved', { approval: APPROVAL }, { name: 'approval', outcome: 'pass', message: 'approved by alice at 2025-05-01T09:30:00Z' }],
  ]);
});

describe('checkRevocation (revoked)', () => {
  run(checkRevocation, [
    ['no digest', { digest: null }, { name: 'revocation', outcome: 'skip', message: 'no digest to look up' }],
    ['no approval', {}, { name: 'revocation', outcome: 'skip', message: 'no approval' }],
    ['not revoked', { approval: APPROVAL }, { name: 'revocation', outcome: 'pass', message: 'not revoked' }],
    ['revoked with who and why', {
      approval: { ...APPROVAL, revokedAt: Date.parse('2025-05-20T08:00:00Z'), revokedBy: 'bob', revokeReason: 'CVE-2025-0001' },
    }, { name: 'revocation', outcome: 'fail', code: 'revoked', message: 'revoked by bob at 2025-05-20T08:00:00Z: CVE-2025-0001' }],
    ['revoked without who or why', { approval: { ...APPROVAL, revokedAt: Date.parse('2025-05-20T08:00:00Z') } }, {
      name: 'revocation',
      outcome: 'fail',
      code: 'revoked',
      message: 'revoked at 2025-05-20T08:00:00Z',
    }],
  ]);
});

describe('checkApprovalExpiry (approval-expired)', () => {
  run(checkApprovalExpiry, [
    ['no digest', { digest: null }, { name: 'approval-expiry', outcome: 'skip', message: 'no digest to look up' }],
    ['no approval', {}, { name: 'approval-expiry', outcome: 'skip', message: 'no approval' }],
    ['no expiry', { approval: APPROVAL }, { name: 'approval-expiry', outcome: 'pass', message: 'the approval does not expire' }],
    ['expires later', { approval: { ...APPROVAL, expiresAt: NOW + 1 } }, {
      name: 'approval-expiry',
      outcome: 'pass',
      message: 'the approval expires at 2025-06-01T00:00:00Z',
    }],
    ['expires exactly now', { approval: { ...APPROVAL, expiresAt: NOW } }, {
      name: 'approval-expiry',
      outcome: 'fail',
      code: 'approval-expired',
      message: 'the approval expired at 2025-06-01T00:00:00Z',
    }],
    ['expired', { approval: { ...APPROVAL, expiresAt: NOW - DAY } }, {
      name: 'approval-expiry',
      outcome: 'fail',
      code: 'approval-expired',
      message: 'the approval expired at 2025-05-31T00:00:00Z',
    }],
  ]);
});

describe('checkScanPresent (scan-missing)', () => {
  run(checkScanPresent, [
    ['scan not required', { scanPolicy: { required: false } }, { name: 'scan', outcome: 'skip', message: 'scan.required is false' }],
    ['no digest', { digest: null }, { name: 'scan', outcome: 'skip', message: 'no digest to look up' }],
    ['no scan', {}, { name: 'scan', outcome: 'fail', code: 'scan-missing', message: `no scan of ${DIGEST}` }],
    ['scanned', { scan: SCAN }, { name: 'scan', outcome: 'pass', message: 'trivy scan of 2025-05-22T00:00:00Z' }],
  ]);
});

describe('checkScanAge (scan-stale)', () => {
  run(checkScanAge, [
    ['scan not required', { scan: SCAN, scanPolicy: { required: false } }, { name: 'scan-age', outcome: 'skip', message: 'scan.required is false' }],
    ['no digest', { digest: null }, { name: 'scan-age', outcome: 'skip', message: 'no digest to look up' }],
    ['no scan', {}, { name: 'scan-age', outcome: 'skip', message: 'no scan' }],
    ['no age limit', { scan: { ...SCAN, scannedAt: NOW - 900 * DAY }, scanPolicy: { maxAgeDays: 0 } }, {
      name: 'scan-age',
      outcome: 'skip',
      message: 'scan.maxAgeDays is 0 (no limit)',
    }],
    ['fresh', { scan: SCAN }, { name: 'scan-age', outcome: 'pass', message: 'scanned at 2025-05-22T00:00:00Z (10 days ago), within 90 days' }],
    ['exactly at the limit', { scan: { ...SCAN, scannedAt: NOW - 90 * DAY } }, {
      name: 'scan-age',
      outcome: 'pass',
      message: 'scanned at 2025-03-03T00:00:00Z (90 days ago), within 90 days',
    }],
    ['one second past the limit', { scan: { ...SCAN, scannedAt: NOW - 90 * DAY - 1000 } }, {
      name: 'scan-age',
      outcome: 'fail',
      code: 'scan-stale',
      message: 'scanned at 2025-03-02T23:59:59Z (90 days ago), older than 90 days',
    }],
    ['stale under a 1-day limit', { scan: SCAN, scanPolicy: { maxAgeDays: 1 } }, {
      name: 'scan-age',
      outcome: 'fail',
      code: 'scan-stale',
      message: 'scanned at 2025-05-22T00:00:00Z (10 days ago), older than 1 day',
    }],
  ]);
});
