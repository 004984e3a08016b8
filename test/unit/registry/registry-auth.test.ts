// Authentication flows against fakes: Bearer tokens (as Docker Hub, GHCR, Harbor do) and Basic challenges.
import type http from 'node:http';
import type { ImageRef } from '../../../src/core/types';
import { RegistryError } from '../../../src/errors';
import { type RegistryClient, type RegistryClientOptions, createRegistryClient } from '../../../src/registry/registry-client';
import { type FakeServer, OCI_MANIFEST, buildImage, startFakeServer } from '../../helpers/registry-server';

const image = buildImage('team/app', { created: '2024-03-01T10:00:00Z' });
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

function ref(host: string, path = 'team/app'): ImageRef {
  return { original: `${host}/${path}:1.0`, registry: host, path, repository: `${host}/${path}`, tag: '1.0', digest: null };
}

/** A registry that wants `Bearer <token>` and sends config blobs to `storage` by redirect, like S3-backed registries. */
function tokenRegistry(tokenHost: () => string, token: string, storageHost: () => string | null) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      const scope = `repository:${req.url?.split('/').slice(2, -2).join('/')}:pull`;
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${tokenHost()}/token",service="fake-registry",scope="${scope}"` }).end();
      return;
    }
    const storage = storageHost();
    if (req.url?.includes('/blobs/') && storage !== null) {
      res.writeHead(307, { location: `http://${storage}/bucket/config?signature=abc` }).end();
      return;
    }
    res.writeHead(200, { 'content-type': OCI_MANIFEST });
    res.end(req.url?.includes('/blobs/') ? image.config : image.manifest);
  };
}

describe('registry authentication', () => {
  const servers: FakeServer[] = [];
  let client: RegistryClient | null = null;

  async function fake(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<FakeServer> {
    const server = await startFakeServer(handler);
    servers.push(server);
    return server;
  }
  function open(options: RegistryClientOptions = {}): RegistryClient {
    client = createRegistryClient({ http: { retries: 0 }, ...options });
    return client;
  }
  afterEach(async () => {
    await client?.close();
    client = null;
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  test('Bearer: fetches a token from the realm with service and scope, sending credentials there; caches it per scope until expiry', async () => {
    let clock = 1_000_000;
    const auth = await fake((_req, res) => res.end(JSON.stringify({ token: 'tok-1', expires_in: 300 })));
    let storage: FakeServer | null = null;
    const registry = await fake(tokenRegistry(() => auth.host, 'tok-1', () => storage?.host ?? null));
    storage = await fake((_req, res) => res.end(image.config));
    const c = open({ credentials: (host) => (host === registry.host ? { username: 'ci', password: 's3cret' } : null), now: () => clock });

    expect(await c.resolve(ref(registry.host))).toMatchObject({ digest: image.digest, createdAt: Date.parse('2024-03-01T10:00:00Z') });
    expect(auth.requests).toHaveLength(1);
    const tokenUrl = new URL(auth.requests[0]!.url, 'http://x');
    expect(tokenUrl.pathname).toBe('/token');
    expect(tokenUrl.searchParams.get('service')).toBe('fake-registry');
    expect(tokenUrl.searchParams.get('scope')).toBe('repository:team/app:pull');
    expect(auth.requests[0]!.headers.authorization).toBe(basic('ci', 's3cret'));
    // The object store got the blob request without the registry token.
    expect(storage.requests).toHaveLength(1);
    expect(storage.requests[0]!.headers.authorization).toBeUndefined();

    await c.resolve(ref(registry.host));
    expect(auth.requests).toHaveLength(1); // cached: sent straight away
    clock += 300_000;
    await c.resolve(ref(registry.host));
    expect(auth.requests).toHaveLength(2); // expired: fetched again
  });

  test('Bearer: anonymous token (no credentials), `access_token` form, another scope needs another token', async () => {
    const auth = await fake((_req, res) => res.end(JSON.stringify({ access_token: 'anon' })));
    const registry = await fake(tokenRegistry(() => auth.host, 'anon', () => null));
    const c = open();
    await c.resolve(ref(registry.host));
    await c.resolve(ref(registry.host, 'team/other'));
    expect(auth.requests.map((r) => [new URL(r.url, 'http://x').searchParams.get('scope'), r.headers.authorization])).toEqual([
      ['repository:team/app:pull', undefined],
      ['repository:team/other:pull', undefined],
    ]);
  });

  test('Bearer: the token service refusing the credentials is a clear denied error', async () => {
    const auth = await fake((_req, res) => res.writeHead(401).end());
    const registry = await fake(tokenRegistry(() => auth.host, 'never', () => null));
    const failure = open({ credentials: () => ({ username: 'ci', password: 'wrong' }) }).resolve(ref(registry.host));
    await expect(failure).rejects.toThrow(RegistryError);
    await expect(failure).rejects.toThrow(`registry ${registry.host} denied access (token service ${auth.host} answered 401): check credentials`);
  });

  test('Bearer: a token the registry still refuses is a denied error', async () => {
    const auth = await fake((_req, res) => res.end(JSON.stringify({ token: 'not-the-right-one' })));
    const registry = await fake(tokenRegistry(() => auth.host, 'tok', () => null));
    await expect(open().resolve(ref(registry.host))).rejects.toThrow(`registry ${registry.host} denied access to ${registry.host}/team/app: check credentials`);
  });

  test.each([
    ['no token', {}, 'sent no usable token'],
    ['a token with a newline', { token: 'a\r\nX-Evil: 1' }, 'sent no usable token'],
    ['not JSON', 'hello', 'did not answer with JSON'],
  ])('Bearer: a token answer with %s is refused', async (_name, body, message) => {
    const auth = await fake((_req, res) => res.end(typeof body === 'string' ? body : JSON.stringify(body)));
    const registry = await fake(tokenRegistry(() => auth.host, 'tok', () => null));
    await expect(open().resolve(ref(registry.host))).rejects.toThrow(`token service ${auth.host} ${message}`);
  });

  test('Bearer: a realm on plain HTTP outside loopback is refused before credentials are sent', async () => {
    const registry = await fake((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://auth.example/token",service="x"' }).end();
    });
    await expect(open({ credentials: () => ({ username: 'u', password: 'p' }) }).resolve(ref(registry.host))).rejects.toThrow(
      `registry ${registry.host} named a token realm that is not HTTPS: http://auth.example`,
    );
  });

  test('Basic: sends the configured credentials after the challenge, then straight away', async () => {
    const registry = await fake((req, res) => {
      if (req.headers.authorization !== basic('u', 'p:w')) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': OCI_MANIFEST });
      res.end(req.url?.includes('/blobs/') ? image.config : image.manifest);
    });
    const c = open({ credentials: () => ({ username: 'u', password: 'p:w' }) });
    await c.resolve(ref(registry.host));
    await c.resolve(ref(registry.host));
    expect(registry.requests.map((r) => r.headers.authorization === undefined)).toEqual([true, false, false, false, false]);
  });

  test('Basic without credentials, and an unsupported scheme, are denied errors', async () => {
    const registry = await fake((req, res) => {
      const scheme = req.url?.includes('negotiate') ? 'Negotiate' : 'Basic realm="r"';
      res.writeHead(401, { 'www-authenticate': scheme }).end();
    });
    const c = open();
    await expect(c.resolve(ref(registry.host))).rejects.toThrow(`registry ${registry.host} denied access to ${registry.host}/team/app: check credentials`);
    await expect(c.resolve(ref(registry.host, 'negotiate/app'))).rejects.toThrow(`denied access to ${registry.host}/negotiate/app`);
  });

  test('403 is a denied error too', async () => {
    const registry = await fake((_req, res) => res.writeHead(403).end());
    await expect(open().resolve(ref(registry.host))).rejects.toThrow(`registry ${registry.host} denied access to ${registry.host}/team/app: check credentials`);
  });
});
