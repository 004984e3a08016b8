// Transport behaviour against fakes on loopback: redirects, retries, Retry-After, resets, TLS, reuse.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { RegistryError } from '../../../src/errors';
import { type HttpRequest, type HttpTransport, type HttpTransportOptions, createHttpTransport } from '../../../src/registry/http-transport';
import { type FakeServer, startFakeServer } from '../../helpers/registry-server';

function get(url: string, headers: Record<string, string> = {}, signal = AbortSignal.timeout(10_000)): HttpRequest {
  return { url: new URL(url), method: 'GET', headers, maxBytes: 1024 * 1024, signal };
}

describe('http transport', () => {
  const servers: FakeServer[] = [];
  let transport: HttpTransport | null = null;

  async function fake(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<FakeServer> {
    const server = await startFakeServer(handler);
    servers.push(server);
    return server;
  }
  function open(options: Partial<HttpTransportOptions> = {}): HttpTransport {
    transport = createHttpTransport({ insecureRegistries: new Set(), retries: 3, retryBaseMs: 1, ...options });
    return transport;
  }
  afterEach(async () => {
    await transport?.close();
    transport = null;
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  test('a redirect loop is an error', async () => {
    const server = await fake((req, res) => {
      res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' });
      res.end();
    });
    await expect(open().send(get(`http://${server.host}/a`))).rejects.toThrow(`redirect loop at ${server.host}/b`);
    expect(server.requests.map((r) => r.url)).toEqual(['/a', '/b']);
  });

  test('a redirect chain longer than the limit is an error', async () => {
    const server = await fake((req, res) => {
      res.writeHead(307, { location: `/r/${Number(req.url?.split('/')[2]) + 1}` });
      res.end();
    });
    await expect(open({ maxRedirects: 3 }).send(get(`http://${server.host}/r/0`))).rejects.toThrow(`more than 3 redirects from ${server.host}/r/3`);
  });

  test('a redirect to plain HTTP on a non-loopback host is refused without contacting it', async () => {
    const server = await fake((_req, res) => {
      res.writeHead(302, { location: 'http://storage.example/blob' });
      res.end();
    });
    await expect(open().send(get(`http://${server.host}/x`))).rejects.toThrow(
      `${server.host} redirected to http://storage.example: only HTTPS (or an insecure registry) is followed`,
    );
  });

  test('Authorization follows a same-origin redirect but never goes to another host', async () => {
    const storage = await fake((_req, res) => res.end('blob'));
    const registry = await fake((req, res) => {
      if (req.url === '/v2/app/blobs/x') res.writeHead(307, { location: '/v2/app/blobs/y' }).end();
      else res.writeHead(302, { location: `http://${storage.host}/signed?x=1` }).end();
    });
    const res = await open().send(get(`http://${registry.host}/v2/app/blobs/x`, { authorization: 'Bearer secret', accept: '*/*' }));
    expect(res.body.toString()).toBe('blob');
    expect(res.url.href).toBe(`http://${storage.host}/signed?x=1`);
    expect(registry.requests.map((r) => r.headers.authorization)).toEqual(['Bearer secret', 'Bearer secret']);
    expect(storage.requests[0]?.headers.authorization).toBeUndefined();
    expect(storage.requests[0]?.headers.accept).toBe('*/*');
  });

  test('429/503 are retried, honouring Retry-After in seconds', async () => {
    let calls = 0;
    const server = await fake((_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(429, { 'retry-after': '1' }).end();
      else if (calls === 2) res.writeHead(503).end();
      else res.end('ok');
    });
    const started = Date.now();
    const res = await open().send(get(`http://${server.host}/x`));
    expect(res.status).toBe(200);
    expect(calls).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  test('Retry-After as an HTTP date, and a huge Retry-After is capped', async () => {
    let calls = 0;
    const server = await fake((_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(503, { 'retry-after': new Date(Date.now() + 3_600_000).toUTCString() }).end();
      else res.end('ok');
    });
    const started = Date.now();
    await open({ maxRetryDelayMs: 200 }).send(get(`http://${server.host}/x`));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2000);
  });

  test('retries are bounded: the last 503 is returned to the caller', async () => {
    const server = await fake((_req, res) => res.writeHead(503).end());
    const res = await open({ retries: 2 }).send(get(`http://${server.host}/x`));
    expect(res.status).toBe(503);
    expect(server.requests).toHaveLength(3);
  });

  test('a reset connection is retried', async () => {
    let calls = 0;
    const server = await fake((req, res) => {
      calls++;
      if (calls === 1) req.socket.destroy();
      else res.end('ok');
    });
    const res = await open().send(get(`http://${server.host}/x`));
    expect(res.body.toString()).toBe('ok');
    expect(calls).toBe(2);
  });

  test('the caller signal stops a retry wait', async () => {
    const server = await fake((_req, res) => res.writeHead(503, { 'retry-after': '5' }).end());
    const started = Date.now();
    const failure = open({ maxRetryDelayMs: 10_000 }).send(get(`http://${server.host}/x`, {}, AbortSignal.timeout(200)));
    await expect(failure).rejects.toThrow(`${server.host} did not answer in time (request deadline passed)`);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('connections are reused for one origin', async () => {
    const server = await fake((_req, res) => res.end('ok'));
    const t = open();
    for (let i = 0; i < 3; i++) {
      const res = await t.send(get(`http://${server.host}/x`));
      expect(res.status).toBe(200);
      // undici frees the connection a moment after the body ends; back-to-back calls may open a second one.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(1);
  });

  test('a refused connection is a clear error', async () => {
    const server = await fake((_req, res) => res.end());
    const host = server.host;
    await server.close();
    servers.splice(0);
    await expect(open({ retries: 0 }).send(get(`http://${host}/x`))).rejects.toThrow(`cannot connect to ${host}: connection refused`);
  });

  const opensslMissing = !existsSync('/usr/bin/openssl');
  if (opensslMissing) console.warn('SKIPPED TLS failure test: /usr/bin/openssl not installed; install with: apt-get install -y openssl');
  (opensslMissing ? test.skip : test)('a certificate the system does not trust is a clear TLS error', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'image-reviewer-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const server = https.createServer({ key: await readFile(key), cert: await readFile(cert) }, (_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const host = `127.0.0.1:${address.port}`;
    try {
      const failure = open({ retries: 0 }).send(get(`https://${host}/v2/`));
      await expect(failure).rejects.toThrow(RegistryError);
      await expect(failure).rejects.toThrow(
        `TLS failure talking to ${host}: self-signed certificate (a private CA can be trusted with NODE_EXTRA_CA_CERTS)`,
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
