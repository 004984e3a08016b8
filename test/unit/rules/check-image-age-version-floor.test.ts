import { checkImageAge } from '../../../src/core/rules/check-image-age';
import { checkVersionFloor } from '../../../src/core/rules/check-version-floor';
import type { ImageContext } from '../../../src/core/rules/image-context';
import type { Approval, Check, Policy } from '../../../src/core/types';
import { approvalFixture } from '../../helpers/approval-fixture';
import { imageContext } from '../../helpers/image-context';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const DAY = 86_400_000;
const DIGEST = `sha256:${'ab12cd34'.repeat(8)}`;

function approval(over: Partial<Approval>): Approval {
  return approvalFixture({ repository: 'registry.corp.example/payments/api', digest: DIGEST, approvedAt: NOW - 5 * DAY, ...over });
}

function context(image: string, policy: Partial<Policy>, found: Approval | null): ImageContext {
  return imageContext(image, { policy, facts: { approval: found, scan: null }, now: NOW });
}

describe('checkImageAge (image-too-old)', () => {
  const image = `registry.corp.example/payments/api@${DIGEST}`;
  it.each<[string, string, number, Approval | null, Check]>([
    ['off by default', image, 0, approval({ imageCreatedAt: NOW - 1000 * DAY }), { name: 'image-age', outcome: 'skip', message: 'images.maxAgeDays is 0 (off)' }],
    ['no digest', 'registry.corp.example/payments/api:2.5.0', 30, null, { name: 'image-age', outcome: 'skip', message: 'no digest to look up' }],
    ['no approval', image, 30, null, { name: 'image-age', outcome: 'skip', message: 'no approval recording the build time' }],
    ['unknown build time is skipped, not failed', image, 30, approval({}), { name: 'image-age', outcome: 'skip', message: 'build time unknown' }],
    ['recent build', image, 30, approval({ imageCreatedAt: NOW - 3 * DAY }), {
      name: 'image-age',
      outcome: 'pass',
      message: 'built at 2025-05-29T00:00:00Z (3 days ago), within 30 days',
    }],
    ['old build', image, 30, approval({ imageCreatedAt: Date.parse('2024-12-25T12:00:00Z') }), {
      name: 'image-age',
      outcome: 'fail',
      code: 'image-too-old',
      message: 'built at 2024-12-25T12:00:00Z (157 days ago), older than 30 days',
    }],
  ])('%s', (_name, ref, maxAgeDays, found, expected) => {
    expect(checkImageAge(context(ref, { images: { maxAgeDays } }, found))).toEqual(expected);
  });
});

describe('checkVersionFloor (version-below-floor)', () => {
  const floors: Policy['versionFloors'] = [
    { repository: 'registry.corp.example/payments/*', range: '>=2.4.1' },
    { repository: 'registry.corp.example/payments/api', range: '<3.0.0' },
  ];
  const repo = 'registry.corp.example/payments/api';
  it.each<[string, string, Approval | null, Check]>([
    ['no floor for the repository', 'registry.corp.example/billing/api:1.0.0', null, {
      name: 'version-floor',
      outcome: 'skip',
      message: 'no version floor for registry.corp.example/billing/api',
    }],
    ['a tag within both floors', `${repo}:2.5.0`, null, { name: 'version-floor', outcome: 'pass', message: 'tag "2.5.0" satisfies ">=2.4.1" and "<3.0.0"' }],
    ['a leading v is allowed', `${repo}:v2.4.1`, null, { name: 'version-floor', outcome: 'pass', message: 'tag "v2.4.1" satisfies ">=2.4.1" and "<3.0.0"' }],
    ['a tag below the floor', `${repo}:2.4.0`, null, { name: 'version-floor', outcome: 'fail', code: 'version-below-floor', message: 'tag "2.4.0" is outside ">=2.4.1"' }],
    ['a tag outside the second range', `${repo}:v3.1.0`, null, { name: 'version-floor', outcome: 'fail', code: 'version-below-floor', message: 'tag "v3.1.0" is outside "<3.0.0"' }],
    ['a pre-release above the floor', `${repo}:2.5.0-rc.1`, null, { name: 'version-floor', outcome: 'pass', message: 'tag "2.5.0-rc.1" satisfies ">=2.4.1" and "<3.0.0"' }],
    ['a pre-release below the floor', `${repo}:2.4.1-rc.1`, null, { name: 'version-floor', outcome: 'fail', code: 'version-below-floor', message: 'tag "2.4.1-rc.1" is outside ">=2.4.1"' }],
    ['a tag that is not semver', `${repo}:latest`, null, { name: 'version-floor', outcome: 'skip', message: 'tag "latest" is not semver' }],
    ['a two-part version is not semver', `${repo}:2.4`, null, { name: 'version-floor', outcome: 'skip', message: 'tag "2.4" is not semver' }],
    ['a digest-only reference uses the tag recorded at approval', `${repo}@${DIGEST}`, approval({ tag: '2.3.9' }), {
      name: 'version-floor',
      outcome: 'fail',
      code: 'version-below-floor',
      message: 'approved tag "2.3.9" is outside ">=2.4.1"',
    }],
    ['the reference tag wins over the approval tag', `${repo}:2.6.0@${DIGEST}`, approval({ tag: '2.3.9' }), {
      name: 'version-floor',
      outcome: 'pass',
      message: 'tag "2.6.0" satisfies ">=2.4.1" and "<3.0.0"',
    }],
    ['no tag anywhere', `${repo}@${DIGEST}`, approval({}), { name: 'version-floor', outcome: 'skip', message: 'no tag to read a version from' }],
  ])('%s', (_name, ref, found, expected) => {
    expect(checkVersionFloor(context(ref, { versionFloors: floors }, found))).toEqual(expected);
  });
});
