// What the client refuses from a registry: cases a real registry cannot produce, served by a fake on loopback.
import type http from 'node:http';
import type { ImageRef } from '../../../src/core/types';
import { RegistryError } from '../../../src/errors';
import { type RegistryClient, type RegistryClientOptions, createRegistryClient } from '../../../src/registry/registry-client';
import { type FakeServer, OCI_INDEX, OCI_MANIFEST, buildImage, sha256, startFakeServer } from '../../helpers/registry-server';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const image = buildImage('app', { created: '2024-03-01T10:00:00Z' });

function ref(host: string, tag: string | null, digest: string | null = null): ImageRef {
  return { original: `${host}/app:${tag}`, registry: host, path: 'app', repository: `${host}/app`, tag, digest };
}

/** Serves `manifest` for every manifest request and the image's config blob. */
function registryHandler(manifest: Buffer, headers: Record<string, string | number>): Handler {
  return (req, res) => {
    if (req.url?.startsWith('/v2/app/blobs/')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': image.config.length });
      res.end(image.config);
      return;
    }
    res.writeHead(200, { 'content-length': manifest.length, ...headers });
    res.end(req.method === 'HEAD' ? undefined : manifest);
  };
}

describe('registry client: verification of what the registry sends', () => {
  let server: FakeServer | null = null;
  let client: RegistryClient | null = null;

  async function serve(handler: Handler, options: RegistryClientOptions = {}): Promise<{ client: RegistryClient; host: string }> {
    server = await startFakeServer(handler);
    client = createRegistryClient({ http: { retries: 0 }, ...options });
    return { client, host: server.host };
  }
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = null;
    server = null;
  });

  test('accepts a body that matches Docker-Content-Digest, and reads the build time', async () => {
    const { client, host } = await serve(registryHandler(image.manifest, { 'content-type': OCI_MANIFEST, 'docker-content-digest': image.digest }));
    const resolved = await client.resolve(ref(host, '1.0'));
    expect(resolved).toMatchObject({ digest: image.digest, createdAt: Date.parse('2024-03-01T10:00:00Z') });
  });

  test('without Docker-Content-Digest the digest is computed from the body', async () => {
    const { client, host } = await serve(registryHandler(image.manifest, { 'content-type': OCI_MANIFEST }));
    expect((await client.resolve(ref(host, '1.0'))).digest).toBe(image.digest);
  });

  test('a wrong digest in Docker-Content-Digest is refused', async () => {
    const wrong = sha256(Buffer.from('something else'));
    const { client, host } = await serve(registryHandler(image.manifest, { 'content-type': OCI_MANIFEST, 'docker-content-digest': wrong }));
    const failure = client.resolve(ref(host, '1.0'));
    await expect(failure).rejects.toThrow(RegistryError);
    await expect(failure).rejects.toThrow(`manifest ${host}/app:1.0: content has digest ${image.digest}, but Docker-Content-Digest says ${wrong}`);
  });

  test('a body that does not match the digest reference is refused', async () => {
    const asked = sha256(Buffer.from('the manifest we asked for'));
    const { client, host } = await serve(registryHandler(image.manifest, { 'content-type': OCI_MANIFEST }));
    await expect(client.resolve(ref(host, null, asked))).rejects.toThrow(
      `manifest ${host}/app@${asked}: content has digest ${image.digest}, but the reference says ${asked}`,
    );
  });

  test('a HEAD answering another digest for a digest reference is refused', async () => {
    const asked = sha256(Buffer.from('x'));
    const { client, host } = await serve(registryHandler(image.manifest, { 'content-type': OCI_MANIFEST, 'docker-content-digest': image.digest }));
    await expect(client.resolve(ref(host, null, asked), { digestOnly: true })).rejects.toThrow(
      `manifest ${host}/app@${asked}: registry ${host} answered with digest ${image.digest}`,
    );
  });

  test('HEAD without Docker-Content-Digest falls back to GET', async () => {
    const { client, host } = await serve(registryHandler(image.manifest, { 'content-type': OCI_MANIFEST }));
    const resolved = await client.resolve(ref(host, '1.0'), { digestOnly: true });
    expect(resolved.digest).toBe(image.digest);
    expect(server?.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
    expect(server?.requests[0]?.headers.accept).toBe(
      `${OCI_INDEX}, ${OCI_MANIFEST}, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json`,
    );
  });

  test('a truncated body is refused (after the configured retries)', async () => {
    const { client, host } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': image.manifest.length });
      res.write(image.manifest.subarray(0, 50));
      setTimeout(() => res.socket?.destroy(), 10);
    }, { http: { retries: 1, retryBaseMs: 1 } });
    const failure = client.resolve(ref(host, '1.0'));
    await expect(failure).rejects.toThrow(RegistryError);
    await expect(failure).rejects.toThrow(`${host} sent a truncated answer for /v2/app/manifests/1.0`);
    expect(server?.requests).toHaveLength(2);
  });

  test('a manifest announced larger than the cap is refused before it is read', async () => {
    const { client, host } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': 5 * 1024 * 1024 });
      res.write('{');
    });
    await expect(client.resolve(ref(host, '1.0'))).rejects.toThrow(`${host} sent more than 4194304 bytes for /v2/app/manifests/1.0: refused`);
  });

  test('a chunked manifest growing past the cap is refused', async () => {
    const { client, host } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': OCI_MANIFEST });
      res.end(Buffer.alloc(2048, 0x20));
    }, { maxManifestBytes: 1024 });
    await expect(client.resolve(ref(host, '1.0'))).rejects.toThrow(`${host} sent more than 1024 bytes for /v2/app/manifests/1.0: refused`);
  });

  test('a config blob larger than the cap is refused from its descriptor size', async () => {
    const { client, host } = await serve(registryHandler(image.manifest, { 'content-type': OCI_MANIFEST }), { maxConfigBytes: 16 });
    await expect(client.resolve(ref(host, '1.0'))).rejects.toThrow(
      `image config ${host}/app@${image.configDigest} is ${image.config.length} bytes, more than the 16-byte limit`,
    );
  });

  test.each([
    ['Docker schema 1', { schemaVersion: 1, name: 'app', tag: '1.0', fsLayers: [] }, 'application/vnd.docker.distribution.manifest.v1+prettyjws',
      'is a Docker schema 1 manifest, which is not supported: push the image again'],
    ['an unknown media type', { schemaVersion: 2, mediaType: 'application/vnd.example.thing+json' }, 'application/vnd.example.thing+json',
      'has unsupported media type application/vnd.example.thing+json'],
    ['a body disagreeing with Content-Type', { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }, OCI_MANIFEST,
      `Content-Type ${OCI_MANIFEST} does not match its mediaType ${OCI_INDEX}`],
    ['a descriptor with a bad digest', { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'x', digest: 'md5:abc', size: 1 } }, OCI_MANIFEST,
      'config.digest: must be a sha256 or sha512 digest (got "md5:abc")'],
  ])('refuses %s', async (_name, body, contentType, message) => {
    const { client, host } = await serve(registryHandler(Buffer.from(JSON.stringify(body)), { 'content-type': contentType }));
    const failure = client.resolve(ref(host, '1.0'));
    await expect(failure).rejects.toThrow(RegistryError);
    await expect(failure).rejects.toThrow(message);
  });

  test('an HTML page is not a registry answer', async () => {
    const page = Buffer.from('<!doctype html><html><body>Sign in</body></html>');
    const { client, host } = await serve(registryHandler(page, { 'content-type': 'text/html; charset=utf-8' }));
    await expect(client.resolve(ref(host, '1.0'))).rejects.toThrow(
      `manifest ${host}/app:1.0 is not JSON (Content-Type text/html; charset=utf-8): not a registry answer`,
    );
  });

  test('an OCI manifest without mediaType is recognised by its shape', async () => {
    const { mediaType: _dropped, ...bare } = JSON.parse(image.manifest.toString()) as Record<string, unknown>;
    const body = Buffer.from(JSON.stringify(bare));
    const { client, host } = await serve(registryHandler(body, { 'content-type': 'application/json' }));
    expect(await client.resolve(ref(host, '1.0'))).toMatchObject({ digest: sha256(body), mediaType: OCI_MANIFEST });
  });

  test('an index entry whose size differs from the manifest served is refused', async () => {
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length + 1, platform: { os: 'linux', architecture: 'amd64' } }],
    }));
    const { client, host } = await serve((req, res) => {
      const body = req.url === '/v2/app/manifests/1.0' ? index : image.manifest;
      res.writeHead(200, { 'content-type': req.url === '/v2/app/manifests/1.0' ? OCI_INDEX : OCI_MANIFEST });
      res.end(body);
    });
    await expect(client.resolve(ref(host, '1.0'))).rejects.toThrow(
      `manifest ${host}/app@${image.digest} (linux/amd64) is ${image.manifest.length} bytes, but the index says ${image.manifest.length + 1}`,
    );
  });

  test('a reproducible build dated at the Unix epoch has no known build time', async () => {
    const epoch = buildImage('app', { created: '1970-01-01T00:00:00Z' });
    const { client, host } = await serve((req, res) => {
      res.writeHead(200, { 'content-type': OCI_MANIFEST });
      res.end(req.url?.includes('/blobs/') ? epoch.config : epoch.manifest);
    });
    expect((await client.resolve(ref(host, '1.0'))).createdAt).toBeNull();
  });

  test('other error statuses name the status and the registry error message', async () => {
    const { client, host } = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'storage backend unavailable' }] }));
    });
    await expect(client.resolve(ref(host, '1.0'))).rejects.toThrow(
      `registry ${host} answered 500 for manifest ${host}/app:1.0: storage backend unavailable`,
    );
  });
});
