import { parseImageRef } from '../../../src/core/image-ref';
import { checkDigest } from '../../../src/core/rules/check-digest';
import { checkReference } from '../../../src/core/rules/check-reference';
import { checkRegistry } from '../../../src/core/rules/check-registry';
import { checkTagResolution } from '../../../src/core/rules/check-tag-resolution';
import type { ImageContext } from '../../../src/core/rules/image-context';
import type { Check, Policy, TagResolution } from '../../../src/core/types';
import { imageContext } from '../../helpers/image-context';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const DIGEST = `sha256:${'ab12cd34'.repeat(8)}`;

function context(image: string, policy: Partial<Policy> = {}, resolution: TagResolution | null = null): ImageContext {
  return imageContext(image, { policy, resolution, now: NOW });
}

describe('checkReference (invalid-reference)', () => {
  it.each<[string, Check]>([
    ['nginx', { name: 'reference', outcome: 'pass', message: 'repository docker.io/library/nginx' }],
    ['Registry.corp.example/App', { name: 'reference', outcome: 'fail', code: 'invalid-reference', message: 'repository name must be lowercase' }],
    ['nginx@sha256:abc', {
      name: 'reference',
      outcome: 'fail',
      code: 'invalid-reference',
      message: 'invalid sha256 digest: expected 64 lowercase hex characters',
    }],
    ['', { name: 'reference', outcome: 'fail', code: 'invalid-reference', message: 'empty reference' }],
  ])('%j', (image, expected) => {
    expect(checkReference(parseImageRef(image), { describe: true })).toEqual(expected);
  });
});

describe('checkRegistry (registry-not-allowed)', () => {
  const registries = ['registry.corp.example', 'localhost:5000', '*.mirror.corp.example'];
  it.each<[string, readonly string[], Check]>([
    [`registry.corp.example/app@${DIGEST}`, registries, { name: 'registry', outcome: 'pass', message: 'registry.corp.example is an allowed registry' }],
    ['localhost:5000/app:1.0', registries, { name: 'registry', outcome: 'pass', message: 'localhost:5000 is an allowed registry' }],
    ['eu.mirror.corp.example/app:1.0', registries, { name: 'registry', outcome: 'pass', message: 'eu.mirror.corp.example is an allowed registry' }],
    ['localhost:5001/app:1.0', registries, { name: 'registry', outcome: 'fail', code: 'registry-not-allowed', message: 'localhost:5001 is not an allowed registry' }],
    ['nginx', registries, { name: 'registry', outcome: 'fail', code: 'registry-not-allowed', message: 'docker.io is not an allowed registry' }],
    ['index.docker.io/library/nginx', ['docker.io'], { name: 'registry', outcome: 'pass', message: 'docker.io is an allowed registry' }],
    ['registry.corp.example.evil.io/app', registries, {
      name: 'registry',
      outcome: 'fail',
      code: 'registry-not-allowed',
      message: 'registry.corp.example.evil.io is not an allowed registry',
    }],
    ['registry.corp.example/app', [], { name: 'registry', outcome: 'fail', code: 'registry-not-allowed', message: 'registry.corp.example is not an allowed registry' }],
    // Hosts compare without case on both sides: the reference's is lowercased when parsed, the policy's when compiled.
    [`REGISTRY.Corp.Example/app@${DIGEST}`, registries, { name: 'registry', outcome: 'pass', message: 'registry.corp.example is an allowed registry' }],
    [`registry.corp.example/app@${DIGEST}`, ['Registry.CORP.example'], { name: 'registry', outcome: 'pass', message: 'registry.corp.example is an allowed registry' }],
  ])('%s with registries %j', (image, allowed, expected) => {
    expect(checkRegistry(context(image, { registries: allowed }))).toEqual(expected);
  });
});

describe('checkDigest (digest-required)', () => {
  it.each<[string, Policy['tags'], Check]>([
    [`registry.corp.example/app@${DIGEST}`, 'require-digest', { name: 'digest', outcome: 'pass', message: `pinned to ${DIGEST}` }],
    [`registry.corp.example/app:1.0@${DIGEST}`, 'require-digest', { name: 'digest', outcome: 'pass', message: `pinned to ${DIGEST}` }],
    ['registry.corp.example/app:1.0', 'require-digest', { name: 'digest', outcome: 'fail', code: 'digest-required', message: 'tag "1.0" has no digest' }],
    ['registry.corp.example/app', 'require-digest', {
      name: 'digest',
      outcome: 'fail',
      code: 'digest-required',
      message: 'the reference (no tag, docker pulls "latest") has no digest',
    }],
    ['registry.corp.example/app:1.0', 'resolve', { name: 'digest', outcome: 'skip', message: 'tags: resolve, the tag is resolved to a digest' }],
  ])('%s under tags: %s', (image, tags, expected) => {
    expect(checkDigest(context(image, { tags }))).toEqual(expected);
  });
});

describe('checkTagResolution (tag-unresolved)', () => {
  const image = 'registry.corp.example/app:1.0';
  it.each<[string, string, Policy['tags'], TagResolution | null, Check]>([
    ['a digest reference', `${image}@${DIGEST}`, 'resolve', null, { name: 'tag-resolution', outcome: 'skip', message: 'the reference has a digest' }],
    ['require-digest mode', image, 'require-digest', null, { name: 'tag-resolution', outcome: 'skip', message: 'tags: require-digest' }],
    ['a resolved tag', image, 'resolve', { status: 'resolved', digest: DIGEST }, {
      name: 'tag-resolution',
      outcome: 'pass',
      message: `tag "1.0" resolved to ${DIGEST}`,
    }],
    ['a registry failure', image, 'resolve', { status: 'failed', error: 'registry timed out after 2000 ms' }, {
      name: 'tag-resolution',
      outcome: 'fail',
      code: 'tag-unresolved',
      message: 'tag "1.0" could not be resolved: registry timed out after 2000 ms',
    }],
    ['no registry answer at all', image, 'resolve', null, {
      name: 'tag-resolution',
      outcome: 'fail',
      code: 'tag-unresolved',
      message: 'tag "1.0" was not resolved (no registry answer)',
    }],
  ])('%s', (_name, ref, tags, resolution, expected) => {
    expect(checkTagResolution(context(ref, { tags }, resolution))).toEqual(expected);
  });
});
