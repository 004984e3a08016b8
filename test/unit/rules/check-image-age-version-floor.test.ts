import { checkImageAge } from '../../../src/core/rules/check-image-age';
import { checkVersionFloor } from '../../../src/core/rules/check-version-floor';
import type { ImageContext } from '../../../src/core/rules/image-context';
import type { Approval, Check, Policy, TagResolution } from '../../../src/core/types';
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

describe('checkVersionFloor (version-below-floor, version-unknown)', () => {
  const floors: Policy['versionFloors'] = [
    { repository: 'registry.corp.example/payments/*', range: '>=2.4.1' },
    { repository: 'registry.corp.example/payments/api', range: '<3.0.0' },
  ];
  const repo = 'registry.corp.example/payments/api';
  const both = '(floor ">=2.4.1" and "<3.0.0")';
  const resolved: TagResolution = { status: 'resolved', digest: DIGEST };
  it.each<[string, string, Approval | null, TagResolution | null, Check]>([
    ['no floor for the repository', 'registry.corp.example/billing/api:1.0.0', null, null, {
      name: 'version-floor',
      outcome: 'skip',
      message: 'no version floor for registry.corp.example/billing/api',
    }],
    // A digest: the version is the tag recorded at approval, whatever the reference's tag says.
    ['a digest approved within both floors', `${repo}@${DIGEST}`, approval({ tag: '2.5.0' }), null, {
      name: 'version-floor', outcome: 'pass', message: 'approved tag "2.5.0" satisfies ">=2.4.1" and "<3.0.0"',
    }],
    ['a leading v is allowed', `${repo}@${DIGEST}`, approval({ tag: 'v2.4.1' }), null, {
      name: 'version-floor', outcome: 'pass', message: 'approved tag "v2.4.1" satisfies ">=2.4.1" and "<3.0.0"',
    }],
    ['a digest approved below the floor', `${repo}@${DIGEST}`, approval({ tag: '2.3.9' }), null, {
      name: 'version-floor', outcome: 'fail', code: 'version-below-floor', message: 'approved tag "2.3.9" is outside ">=2.4.1"',
    }],
    ['a made-up tag on an old digest does not lift it over the floor', `${repo}:9.9.9@${DIGEST}`, approval({ tag: '2.0.0' }), null, {
      name: 'version-floor',
      outcome: 'fail',
      code: 'version-below-floor',
      message: 'approved tag "2.0.0" is outside ">=2.4.1"; the pod\'s tag "9.9.9" is not judged',
    }],
    ['nor does latest', `${repo}:latest@${DIGEST}`, approval({ tag: '2.0.0' }), null, {
      name: 'version-floor',
      outcome: 'fail',
      code: 'version-below-floor',
      message: 'approved tag "2.0.0" is outside ">=2.4.1"; the pod\'s tag "latest" is not judged',
    }],
    ['a low tag on a good digest does not deny it', `${repo}:1.0.0@${DIGEST}`, approval({ tag: '2.6.0' }), null, {
      name: 'version-floor',
      outcome: 'pass',
      message: 'approved tag "2.6.0" satisfies ">=2.4.1" and "<3.0.0"; the pod\'s tag "1.0.0" is not judged',
    }],
    ['a pre-release above the floor', `${repo}@${DIGEST}`, approval({ tag: '2.5.0-rc.1' }), null, {
      name: 'version-floor', outcome: 'pass', message: 'approved tag "2.5.0-rc.1" satisfies ">=2.4.1" and "<3.0.0"',
    }],
    ['a pre-release below the floor', `${repo}@${DIGEST}`, approval({ tag: '2.4.1-rc.1' }), null, {
      name: 'version-floor', outcome: 'fail', code: 'version-below-floor', message: 'approved tag "2.4.1-rc.1" is outside ">=2.4.1"',
    }],
    ['outside the second range', `${repo}@${DIGEST}`, approval({ tag: 'v3.1.0' }), null, {
      name: 'version-floor', outcome: 'fail', code: 'version-below-floor', message: 'approved tag "v3.1.0" is outside "<3.0.0"',
    }],
    // A digest whose version is not known is denied, not waved through.
    ['a digest approved without a tag', `${repo}:2.5.0@${DIGEST}`, approval({ tag: null }), null, {
      name: 'version-floor', outcome: 'fail', code: 'version-unknown', message: `approved without a tag: no version on record ${both}`,
    }],
    ['a digest approved under latest', `${repo}@${DIGEST}`, approval({ tag: 'latest' }), null, {
      name: 'version-floor', outcome: 'fail', code: 'version-unknown', message: `approved tag "latest" is not a semver version ${both}`,
    }],
    ['a two-part version is not semver', `${repo}@${DIGEST}`, approval({ tag: '2.4' }), null, {
      name: 'version-floor', outcome: 'fail', code: 'version-unknown', message: `approved tag "2.4" is not a semver version ${both}`,
    }],
    ['a digest with no approval', `${repo}:2.5.0@${DIGEST}`, null, null, {
      name: 'version-floor', outcome: 'fail', code: 'version-unknown', message: `no approval records a version for this digest ${both}`,
    }],
    // Resolve mode: the digest the tag resolved to is judged by its approval too, not by the tag asked for.
    ['a resolved tag is judged by the approval of its digest', `${repo}:9.9.9`, approval({ tag: '2.0.0' }), resolved, {
      name: 'version-floor',
      outcome: 'fail',
      code: 'version-below-floor',
      message: 'approved tag "2.0.0" is outside ">=2.4.1"; the pod\'s tag "9.9.9" is not judged',
    }],
    ['a resolved tag whose digest was approved under it', `${repo}:2.5.0`, approval({ tag: '2.5.0' }), resolved, {
      name: 'version-floor', outcome: 'pass', message: 'approved tag "2.5.0" satisfies ">=2.4.1" and "<3.0.0"',
    }],
    // No digest judged (require-digest, or the tag did not resolve): the tag is all there is, and the image is
    // denied for that already; the floor still says what the tag names.
    ['a tag-only reference within the floors', `${repo}:2.5.0`, null, null, {
      name: 'version-floor', outcome: 'pass', message: 'tag "2.5.0" satisfies ">=2.4.1" and "<3.0.0"',
    }],
    ['a tag-only reference below the floor', `${repo}:2.4.0`, null, { status: 'failed', error: 'timeout' }, {
      name: 'version-floor', outcome: 'fail', code: 'version-below-floor', message: 'tag "2.4.0" is outside ">=2.4.1"',
    }],
    ['a tag-only reference that is not semver', `${repo}:latest`, null, null, {
      name: 'version-floor', outcome: 'fail', code: 'version-unknown', message: `tag "latest" is not a semver version ${both}`,
    }],
  ])('%s', (_name, ref, found, resolution, expected) => {
    const input = { policy: { versionFloors: floors }, facts: { approval: found, scan: null }, resolution, now: NOW };
    expect(checkVersionFloor(imageContext(ref, input))).toEqual(expected);
  });

  it('matches a floor whose host is written in upper case, as references are normalised', () => {
    const input = {
      policy: { versionFloors: [{ repository: 'REGISTRY.Corp.Example/payments/*', range: '>=2.4.1' }] },
      facts: { approval: approval({ tag: '2.0.0' }), scan: null },
      now: NOW,
    };
    expect(checkVersionFloor(imageContext(`REGISTRY.CORP.EXAMPLE/payments/api@${DIGEST}`, input))).toEqual({
      name: 'version-floor',
      outcome: 'fail',
      code: 'version-below-floor',
      message: 'approved tag "2.0.0" is outside ">=2.4.1"',
    });
  });
});
