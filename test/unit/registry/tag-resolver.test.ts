import type { ImageRef } from '../../../src/core/types';
import { RegistryError } from '../../../src/errors';
import { createTagResolver } from '../../../src/registry/tag-resolver';
import type { RegistryLookup, ResolveOptions, ResolvedImage } from '../../../src/registry/types';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;

function ref(repository: string, tag: string | null, digest: string | null = null, original?: string): ImageRef {
  const [registry = '', ...rest] = repository.split('/');
  return {
    original: original ?? `${repository}${tag === null ? '' : `:${tag}`}${digest === null ? '' : `@${digest}`}`,
    registry,
    path: rest.join('/'),
    repository,
    tag,
    digest,
  };
}

/** A lookup whose answers the test controls: a digest, an error, or never. */
function fakeLookup(answer: (ref: ImageRef) => string | Error | 'hang') {
  const calls: { ref: ImageRef; options: ResolveOptions | undefined }[] = [];
  const lookup: RegistryLookup = {
    resolve(target, options) {
      calls.push({ ref: target, options });
      const result = answer(target);
      if (result === 'hang') return new Promise<ResolvedImage>(() => undefined);
      if (result instanceof Error) return Promise.reject(result);
      return new Promise((resolve) => setTimeout(() => resolve({
        repository: target.repository, digest: result, tag: target.tag, mediaType: 'x', platforms: [], createdAt: null,
      }), 5));
    },
  };
  return { lookup, calls };
}

describe('createTagResolver', () => {
  test('resolves tags, passes digests through, reports failures; keyed by the reference as given', async () => {
    const { lookup, calls } = fakeLookup((r) => (r.tag === 'gone' ? new RegistryError('registry r.example has no manifest r.example/app:gone') : DIGEST_A));
    const resolver = createTagResolver({ lookup, cacheSeconds: 60 });
    const answers = await resolver.resolve([
      ref('r.example/app', '1.0'),
      ref('r.example/app', '1.0', DIGEST_B),
      ref('r.example/app', 'gone'),
      ref('r.example/app', null, null, 'r.example/app'),
    ]);
    expect(Object.fromEntries(answers)).toEqual({
      'r.example/app:1.0': { status: 'resolved', digest: DIGEST_A },
      [`r.example/app:1.0@${DIGEST_B}`]: { status: 'resolved', digest: DIGEST_B },
      'r.example/app:gone': { status: 'failed', error: 'registry r.example has no manifest r.example/app:gone' },
      'r.example/app': { status: 'resolved', digest: DIGEST_A },
    });
    expect(calls.map((c) => c.ref.original).sort()).toEqual(['r.example/app', 'r.example/app:1.0', 'r.example/app:gone']);
    expect(calls.every((c) => c.options?.digestOnly === true && c.options.signal !== undefined)).toBe(true);
  });

  test('caches successes for cacheSeconds (not failures), and a call may override cacheSeconds', async () => {
    let clock = 0;
    let fail = false;
    const { lookup, calls } = fakeLookup(() => (fail ? new RegistryError('down') : DIGEST_A));
    const resolver = createTagResolver({ lookup, cacheSeconds: 10, now: () => clock });
    const app = ref('r.example/app', '1.0');
    await resolver.resolve([app]);
    clock = 9_999;
    expect((await resolver.resolve([app])).get(app.original)).toEqual({ status: 'resolved', digest: DIGEST_A });
    expect(calls).toHaveLength(1);
    clock = 10_000;
    fail = true;
    expect((await resolver.resolve([app])).get(app.original)).toEqual({ status: 'failed', error: 'down' });
    expect((await resolver.resolve([app])).get(app.original)).toEqual({ status: 'failed', error: 'down' });
    expect(calls).toHaveLength(3);
    fail = false;
    await resolver.resolve([app], { cacheSeconds: 0 });
    await resolver.resolve([app], { cacheSeconds: 0 });
    expect(calls).toHaveLength(5);
  });

  test('concurrent look-ups of the same tag share one registry request', async () => {
    const { lookup, calls } = fakeLookup(() => DIGEST_A);
    const resolver = createTagResolver({ lookup, cacheSeconds: 0 });
    const app = ref('r.example/app', '1.0');
    const other = ref('r.example/app', '1.0', null, 'r.example/app:1.0 (same tag, other spelling)');
    const [first, second] = await Promise.all([resolver.resolve([app, other]), resolver.resolve([app])]);
    expect(first.get(other.original)).toEqual({ status: 'resolved', digest: DIGEST_A });
    expect(second.get(app.original)).toEqual({ status: 'resolved', digest: DIGEST_A });
    expect(calls).toHaveLength(1);
  });

  test('a registry that does not answer gives `failed` at the deadline, and the others still resolve', async () => {
    const { lookup } = fakeLookup((r) => (r.registry === 'slow.example' ? 'hang' : DIGEST_A));
    const resolver = createTagResolver({ lookup, cacheSeconds: 60, deadlineMs: 100 });
    const started = Date.now();
    const answers = await resolver.resolve([ref('slow.example/app', '1'), ref('r.example/app', '1')]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(Object.fromEntries(answers)).toEqual({
      'slow.example/app:1': { status: 'failed', error: 'registry did not answer within 100 ms' },
      'r.example/app:1': { status: 'resolved', digest: DIGEST_A },
    });
  });

  test('a look-up that throws synchronously, or rejects with a non-Error, is a failure, not a throw', async () => {
    const lookup: RegistryLookup = {
      resolve: (target) => {
        if (target.tag === 'sync') throw new Error('boom');
        return Promise.reject('plain string');
      },
    };
    const resolver = createTagResolver({ lookup, cacheSeconds: 60 });
    const answers = await resolver.resolve([ref('r.example/a', 'sync'), ref('r.example/a', 'async')]);
    expect(Object.fromEntries(answers)).toEqual({
      'r.example/a:sync': { status: 'failed', error: 'boom' },
      'r.example/a:async': { status: 'failed', error: 'plain string' },
    });
  });

  test('no references, no look-ups', async () => {
    const { lookup, calls } = fakeLookup(() => DIGEST_A);
    expect((await createTagResolver({ lookup, cacheSeconds: 60 }).resolve([])).size).toBe(0);
    expect(calls).toHaveLength(0);
  });
});
