// The registry client against a registry behind htpasswd basic auth (distribution `auth.htpasswd`): the
// client starts anonymous, reads the `Basic realm=…` challenge and sends the configured credentials.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RegistryError } from '../../../src/errors';
import { dockerConfigCredentials, loadDockerConfig } from '../../../src/registry/docker-config';
import { createRegistryClient } from '../../../src/registry/registry-client';
import { parsedRef as ref } from '../../helpers/parsed-ref';
import { type PushedImage, type TestRegistry, describeWithRegistry, pushImage, startTestRegistry } from '../../helpers/registry-server';

describeWithRegistry('registry client against docker-registry with htpasswd auth', { htpasswd: true }, () => {
  const user = { username: 'reviewer', password: 'pa:ss w0rd' };
  let registry: TestRegistry;
  let image: PushedImage;
  let dir: string;

  beforeAll(async () => {
    registry = await startTestRegistry(user);
    image = await pushImage(registry, 'private/app', '3.1', { created: '2024-06-01T12:00:00Z' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'image-reviewer-dockercfg-'));
  });
  afterAll(async () => {
    await registry?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function resolveWith(credentials: Parameters<typeof createRegistryClient>[0]): Promise<unknown> {
    const client = createRegistryClient({ ...credentials, http: { retries: 0 } });
    try {
      return await client.resolve(ref(`${registry.host}/private/app:3.1`));
    } finally {
      await client.close();
    }
  }

  test('with the right credentials from a Docker config.json, resolves tag, digest and build time', async () => {
    const file = path.join(dir, 'config.json');
    const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    await writeFile(file, JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }));
    const resolved = await resolveWith({ credentials: dockerConfigCredentials(await loadDockerConfig(file)) });
    expect(resolved).toMatchObject({ digest: image.digest, createdAt: Date.parse('2024-06-01T12:00:00Z') });
  });

  test('with explicit credentials', async () => {
    const resolved = await resolveWith({ credentials: () => user });
    expect(resolved).toMatchObject({ digest: image.digest });
  });

  test('with wrong credentials: a clear denied error', async () => {
    const failure = resolveWith({ credentials: () => ({ username: user.username, password: 'wrong' }) });
    await expect(failure).rejects.toThrow(RegistryError);
    await expect(failure).rejects.toThrow(`registry ${registry.host} denied access to ${registry.host}/private/app: check credentials`);
  });

  test('without credentials: the same denied error', async () => {
    await expect(resolveWith({})).rejects.toThrow(`registry ${registry.host} denied access to ${registry.host}/private/app: check credentials`);
  });
});
