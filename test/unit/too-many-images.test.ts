import { decide } from '../../src/core/decide';
import { DEFAULT_POLICY, compilePolicy } from '../../src/core/policy';
import { DEFAULT_REVIEW_LIMITS, reviewSizeProblem } from '../../src/core/review-size';
import type { Decision, Facts, Policy, ReviewLimits } from '../../src/core/types';

// SPEC §2, §4: a pod author controls how many images a review names and how long they are, so a review past the
// limits is a 200 deny with `too-many-images`, never a 400 the API server would resolve by failing open.

const NOW = Date.parse('2025-06-01T00:00:00Z');
const IMAGE = `registry.corp.example/app@sha256:${'1'.repeat(64)}`;
const LIMITS: ReviewLimits = { maxImages: 3, maxImageChars: 300 };
const POLICY: Policy = {
  ...DEFAULT_POLICY,
  registries: ['registry.corp.example'],
  breakGlass: { enabled: true, namespaces: ['*'], requireTicket: false, requireGrant: false },
  namespaces: [
    { match: 'kube-system', mode: 'exempt' },
    { match: 'dev-*', mode: 'dry-run' },
  ],
};
const NO_FACTS: Facts = { images: new Map(), tagResolutions: new Map(), signatures: new Map(), exceptions: [], grants: [] };

function run(images: readonly string[], namespace = 'prod', annotations: Record<string, string> = {}): Decision {
  const request = { namespace, images, annotations: Object.assign(Object.create(null) as Record<string, string>, annotations), user: null };
  return decide(request, NO_FACTS, compilePolicy(POLICY, 'test'), NOW, LIMITS);
}

describe('reviewSizeProblem', () => {
  it.each<[string, readonly string[], string | null]>([
    ['none', [], null],
    ['at the image limit', ['a', 'b', 'c'], null],
    ['one image over', ['a', 'b', 'c', 'd'], 'the pod names 4 images; at most 3 are reviewed'],
    ['exactly the character limit', ['a'.repeat(150), 'b'.repeat(150)], null],
    ['one character over', ['a'.repeat(150), 'b'.repeat(151)], "the pod's image references total 301 characters; at most 300 are reviewed"],
  ])('%s', (_name, images, expected) => {
    expect(reviewSizeProblem(images, LIMITS)).toBe(expected);
  });

  it('defaults to 256 images and 1 MiB of image strings', () => {
    expect(DEFAULT_REVIEW_LIMITS).toEqual({ maxImages: 256, maxImageChars: 1024 * 1024 });
  });
});

describe('decide: too-many-images', () => {
  it('denies a review with more images than the limit, recording the first ones unjudged with the reason', () => {
    const decision = run([IMAGE, IMAGE, IMAGE, 'nginx:latest']);
    expect(decision).toMatchObject({
      allowed: false,
      mode: 'enforce',
      reason: 'too-many-images (the pod names 4 images; at most 3 are reviewed)',
      overridden: null,
      breakGlass: { requested: false, applied: false, refusal: null },
    });
    expect(decision.images).toHaveLength(3);
    expect(decision.images[0]).toEqual({
      image: IMAGE,
      repository: 'registry.corp.example/app',
      tag: null,
      digest: `sha256:${'1'.repeat(64)}`,
      allowed: false,
      reasons: [{ code: 'too-many-images', message: 'the pod names 4 images; at most 3 are reviewed' }],
      checks: [{ name: 'review-size', outcome: 'fail', code: 'too-many-images', message: 'the pod names 4 images; at most 3 are reviewed' }],
      signature: null,
    });
  });

  it('denies a review whose image strings are too long in total, even with few images', () => {
    const decision = run(['a'.repeat(200), 'b'.repeat(200)]);
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toBe("too-many-images (the pod's image references total 400 characters; at most 300 are reviewed)");
    expect(decision.images.map((i) => i.reasons.map((r) => r.code))).toEqual([['too-many-images'], ['too-many-images']]);
  });

  it('is never overridden by break-glass, and says so', () => {
    const decision = run([IMAGE, IMAGE, IMAGE, IMAGE], 'prod', { 'alpha.image-policy.k8s.io/break-glass': 'true' });
    expect(decision).toMatchObject({
      allowed: false,
      reason: 'too-many-images (the pod names 4 images; at most 3 are reviewed); break-glass never overrides too-many-images',
      breakGlass: { requested: true, applied: false, refusal: 'break-glass never overrides too-many-images' },
    });
  });

  it('in a dry-run namespace answers allowed and records what it would have denied', () => {
    const decision = run([IMAGE, IMAGE, IMAGE, IMAGE], 'dev-alice');
    expect(decision).toMatchObject({
      allowed: true,
      mode: 'dry-run',
      reason: 'dry-run: would deny: too-many-images (the pod names 4 images; at most 3 are reviewed)',
      overridden: 'too-many-images (the pod names 4 images; at most 3 are reviewed)',
    });
  });

  it('leaves an exempt namespace exempt: no checks run there', () => {
    const decision = run([IMAGE, IMAGE, IMAGE, IMAGE], 'kube-system');
    expect(decision).toMatchObject({ allowed: true, mode: 'exempt', reason: 'namespace kube-system is exempt' });
    expect(decision.images).toHaveLength(4);
  });

  it('within the limits, judges every image as usual', () => {
    const decision = run(['nginx:latest']);
    expect(decision.images[0]?.reasons.map((r) => r.code)).toEqual(['registry-not-allowed', 'digest-required']);
  });
});
