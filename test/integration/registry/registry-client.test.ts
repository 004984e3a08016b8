// The registry client against a real distribution registry on loopback (plain HTTP, as Docker uses for
// loopback hosts): tags, digests, indexes and build times as pushed.
import { RegistryError } from '../../../src/errors';
import { parsedRef as ref } from '../../helpers/parsed-ref';
import {
  DOCKER_MANIFEST,
  OCI_INDEX,
  OCI_MANIFEST,
  type PushedImage,
  type TestRegistry,
  describeWithRegistry,
  pushImage,
  pushIndex,
  startTestRegistry,
} from '../../helpers/registry-server';
import { useRegistryClient } from '../../helpers/use-registry-client';

describeWithRegistry('registry client against docker-registry', {}, () => {
  let registry: TestRegistry;
  const client = useRegistryClient();
  let single: PushedImage;
  let docker: PushedImage;
  let index: { readonly digest: string; readonly children: readonly PushedImage[] };

  beforeAll(async () => {
    registry = await startTestRegistry();
    single = await pushImage(registry, 'team/app', '1.0', { created: '2024-03-01T10:00:00Z', format: 'oci' });
    docker = await pushImage(registry, 'team/legacy', 'v2', { created: '2023-01-15T08:30:00.123456789Z', format: 'docker' });
    index = await pushIndex(registry, 'team/multi', '2.0', [
      { os: 'linux', architecture: 'amd64', created: '2024-05-02T00:00:00Z' },
      { os: 'linux', architecture: 'arm64', variant: 'v8', created: '2024-05-01T00:00:00Z' },
    ], true);
  });
  afterAll(async () => {
    await registry?.stop();
  });

  test('resolves a tag to the digest that was pushed, with the build time from the config', async () => {
    const resolved = await client().resolve(ref(`${registry.host}/team/app:1.0`));
    expect(resolved).toEqual({
      repository: `${registry.host}/team/app`,
      digest: single.digest,
      tag: '1.0',
      mediaType: OCI_MANIFEST,
      platforms: [],
      createdAt: Date.parse('2024-03-01T10:00:00Z'),
    });
  });

  test('reads a Docker v2 schema 2 manifest', async () => {
    const resolved = await client().resolve(ref(`${registry.host}/team/legacy:v2`));
    expect(resolved.digest).toBe(docker.digest);
    expect(resolved.mediaType).toBe(DOCKER_MANIFEST);
    expect(resolved.createdAt).toBe(Date.parse('2023-01-15T08:30:00.123Z'));
  });

  test('digest-only resolution uses HEAD and gives the same digest', async () => {
    const resolved = await client().resolve(ref(`${registry.host}/team/app:1.0`), { digestOnly: true });
    expect(resolved.digest).toBe(single.digest);
    expect(resolved.createdAt).toBeNull();
  });

  test('a digest reference that exists resolves to itself, with a null tag', async () => {
    const resolved = await client().resolve(ref(`${registry.host}/team/app@${single.digest}`));
    expect(resolved.digest).toBe(single.digest);
    expect(resolved.tag).toBeNull();
    expect(resolved.createdAt).toBe(Date.parse('2024-03-01T10:00:00Z'));
  });

  test('a digest that does not exist is a clear 404 error', async () => {
    const missing = `sha256:${'0'.repeat(64)}`;
    const failure = client().resolve(ref(`${registry.host}/team/app@${missing}`));
    await expect(failure).rejects.toThrow(RegistryError);
    await expect(failure).rejects.toThrow(`registry ${registry.host} has no manifest ${registry.host}/team/app@${missing}`);
  });

  test('an unknown tag or repository is a clear 404 error', async () => {
    await expect(client().resolve(ref(`${registry.host}/team/app:nope`))).rejects.toThrow(
      `registry ${registry.host} has no manifest ${registry.host}/team/app:nope`,
    );
    await expect(client().resolve(ref(`${registry.host}/team/ghost`))).rejects.toThrow(
      `registry ${registry.host} has no manifest ${registry.host}/team/ghost:latest`,
    );
  });

  test('an index lists its platforms (not the attestation) and dates from its oldest platform', async () => {
    const resolved = await client().resolve(ref(`${registry.host}/team/multi:2.0`));
    expect(resolved).toEqual({
      repository: `${registry.host}/team/multi`,
      digest: index.digest,
      tag: '2.0',
      mediaType: OCI_INDEX,
      platforms: ['linux/amd64', 'linux/arm64/v8'],
      createdAt: Date.parse('2024-05-01T00:00:00Z'),
    });
  });

  test('an index resolved by digest, and a HEAD of it, give the index digest', async () => {
    const byDigest = await client().resolve(ref(`${registry.host}/team/multi@${index.digest}`));
    expect(byDigest.digest).toBe(index.digest);
    expect(byDigest.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    const head = await client().resolve(ref(`${registry.host}/team/multi:2.0`), { digestOnly: true });
    expect(head.digest).toBe(index.digest);
    expect(head.mediaType).toBe(OCI_INDEX);
  });

  test('a caller signal that is already aborted stops the look-up with a RegistryError', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(client().resolve(ref(`${registry.host}/team/app:1.0`), { signal: controller.signal })).rejects.toThrow(RegistryError);
  });
});
