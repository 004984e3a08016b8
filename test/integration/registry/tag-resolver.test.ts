// Tag resolution for `tags: resolve` against a real registry, and against a registry that never answers.
import { createTagResolver } from '../../../src/registry/tag-resolver';
import { parsedRef as ref } from '../../helpers/parsed-ref';
import {
  type FakeServer,
  type TestRegistry,
  describeWithRegistry,
  pushImage,
  startFakeServer,
  startTestRegistry,
} from '../../helpers/registry-server';
import { useRegistryClient } from '../../helpers/use-registry-client';

describeWithRegistry('tag resolver against docker-registry', {}, () => {
  let registry: TestRegistry;
  const client = useRegistryClient();

  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  test('resolves several tags at once, keyed by the reference as given, and reuses answers for cacheSeconds', async () => {
    const first = await pushImage(registry, 'svc/api', 'stable', { created: '2024-01-01T00:00:00Z' });
    const other = await pushImage(registry, 'svc/web', '1', { created: '2024-01-02T00:00:00Z' });
    let clock = 1_000_000;
    const resolver = createTagResolver({ lookup: client(), cacheSeconds: 60, now: () => clock });
    const api = `${registry.host}/svc/api:stable`;
    const web = `${registry.host}/svc/web:1`;
    const missing = `${registry.host}/svc/api:missing`;

    const answers = await resolver.resolve([ref(api), ref(web), ref(missing)]);
    expect(Object.fromEntries(answers)).toEqual({
      [api]: { status: 'resolved', digest: first.digest },
      [web]: { status: 'resolved', digest: other.digest },
      [missing]: { status: 'failed', error: `registry ${registry.host} has no manifest ${registry.host}/svc/api:missing` },
    });

    // The tag moves; within cacheSeconds the cached digest is still the answer, after it the new one.
    const moved = await pushImage(registry, 'svc/api', 'stable', { created: '2024-02-01T00:00:00Z' });
    clock += 59_000;
    expect((await resolver.resolve([ref(api)])).get(api)).toEqual({ status: 'resolved', digest: first.digest });
    clock += 2_000;
    expect((await resolver.resolve([ref(api)])).get(api)).toEqual({ status: 'resolved', digest: moved.digest });
  });
});

describe('tag resolver against a registry that never answers', () => {
  const client = useRegistryClient();
  let server: FakeServer;

  beforeAll(async () => {
    server = await startFakeServer(() => undefined); // accepts each request and never answers it
  });
  afterAll(async () => {
    await server.close();
  });

  test('gives `failed` with the deadline message within the deadline, never a throw', async () => {
    const resolver = createTagResolver({ lookup: client(), cacheSeconds: 60, deadlineMs: 300 });
    const image = `${server.host}/slow/app:1.0`;
    const started = Date.now();
    const answers = await resolver.resolve([ref(image)]);
    const elapsed = Date.now() - started;
    expect(answers.get(image)).toEqual({ status: 'failed', error: 'registry did not answer within 300 ms' });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1000);
  });
});
