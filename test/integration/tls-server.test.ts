import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { UsageError } from '../../src/errors';
import { parseListen } from '../../src/http/parse-listen';
import { type RunningServer, type ServerTlsOptions, startServer } from '../../src/http/server';
import { type Logger, createLogger } from '../../src/logger';
import { type TestPki, createTestPki } from '../helpers/certs';

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly peerCn: string;
}

interface CapturedLog {
  readonly logger: Logger;
  readonly lines: () => readonly Record<string, unknown>[];
}

function captureLog(): CapturedLog {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'debug', stream: { write: (s: string) => stream.write(s) } });
  const lines = (): readonly Record<string, unknown>[] =>
    chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines };
}

function get(server: RunningServer, urlPath: string, tls: https.RequestOptions = {}): Promise<Reply> {
  const { port } = server.address;
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: urlPath, method: 'GET', agent: false, servername: 'localhost', ...tls },
      (res) => {
        const socket = res.socket as TLSSocket;
        const peerCn = String(socket.getPeerCertificate().subject?.CN ?? '');
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peerCn }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const echoApp: http.RequestListener = (req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.end(`ok ${req.url}`);
};

describe('startServer with TLS', () => {
  let pki: TestPki;
  let server: RunningServer | undefined;

  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki.cleanup());
  afterEach(async () => {
    await server?.close(1000);
    server = undefined;
  });

  const start = async (tls: ServerTlsOptions, logger: Logger = captureLog().logger): Promise<RunningServer> => {
    server = await startServer({ app: echoApp, listen: { host: '127.0.0.1', port: 0 }, tls, logger });
    return server;
  };
  const mtls = (): ServerTlsOptions => ({ certFile: pki.server.cert, keyFile: pki.server.key, clientCaFile: pki.caCert });
  const asClient = (pair = pki.client): https.RequestOptions => ({
    ca: fs.readFileSync(pki.caCert),
    cert: fs.readFileSync(pair.cert),
    key: fs.readFileSync(pair.key),
  });

  it('serves HTTPS on an ephemeral port with the configured certificate', async () => {
    const s = await start({ certFile: pki.server.cert, keyFile: pki.server.key });
    expect(s.protocol).toBe('https');
    expect(s.address.host).toBe('127.0.0.1');
    expect(s.address.port).toBeGreaterThan(0);
    const reply = await get(s, '/healthz', { ca: fs.readFileSync(pki.caCert) });
    expect(reply).toEqual({ status: 200, body: 'ok /healthz', peerCn: 'image-reviewer-1' });
  });

  it('answers a client that presents a certificate from the client CA', async () => {
    const s = await start(mtls());
    await expect(get(s, '/imagereview?timeout=30s', asClient())).resolves.toEqual({
      status: 200,
      body: 'ok /imagereview?timeout=30s',
      peerCn: 'image-reviewer-1',
    });
  });

  it('refuses the handshake without a client certificate', async () => {
    const s = await start(mtls());
    await expect(get(s, '/imagereview', { ca: fs.readFileSync(pki.caCert) })).rejects.toThrow(
      /certificate required|ECONNRESET|socket hang up/i,
    );
  });

  it('refuses the handshake with a client certificate from another CA', async () => {
    const log = captureLog();
    const s = await start(mtls(), log.logger);
    await expect(get(s, '/imagereview', asClient(pki.otherClient))).rejects.toThrow(/unknown ca|ECONNRESET|socket hang up/i);
    await waitFor(() => log.lines().some((l) => l.msg === 'TLS handshake failed' && l.level === 'warn'));
    expect(log.lines().find((l) => l.msg === 'TLS handshake failed')).toMatchObject({
      level: 'warn',
      authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('refuses TLS 1.1', async () => {
    const s = await start({ certFile: pki.server.cert, keyFile: pki.server.key });
    // SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal seen is the server's protocol_version alert.
    const old = { ca: fs.readFileSync(pki.caCert), minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;
    await expect(get(s, '/healthz', old)).rejects.toThrow(/protocol version/i);
  });

  it('with unauthenticatedPaths, lets probes in without a certificate and refuses everything else with 403', async () => {
    const s = await start({ ...mtls(), unauthenticatedPaths: ['/healthz', '/readyz'] });
    const anonymous = { ca: fs.readFileSync(pki.caCert) };
    await expect(get(s, '/readyz', anonymous)).resolves.toMatchObject({ status: 200, body: 'ok /readyz' });
    for (const p of ['/imagereview', '/healthz/../imagereview', '/HEALTHZ']) {
      const reply = await get(s, p, anonymous);
      expect(reply.status).toBe(403);
      expect(JSON.parse(reply.body)).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'a client certificate signed by the configured client CA is required',
        reason: 'Forbidden',
        code: 403,
      });
    }
    await expect(get(s, '/imagereview', asClient(pki.otherClient))).resolves.toMatchObject({ status: 403 });
    await expect(get(s, '/imagereview', asClient())).resolves.toMatchObject({ status: 200, body: 'ok /imagereview' });
  });

  it('refuses to start with a key that does not match the certificate', async () => {
    await expect(start({ certFile: pki.server.cert, keyFile: pki.server2.key })).rejects.toThrow(/unusable TLS files/);
    await expect(start({ certFile: path.join(pki.dir, 'missing.crt'), keyFile: pki.server.key })).rejects.toThrow(
      /cannot read TLS certificate/,
    );
  });
});

describe('certificate rotation', () => {
  let pki: TestPki;
  let server: RunningServer | undefined;
  beforeEach(() => {
    pki = createTestPki();
  });
  afterEach(async () => {
    await server?.close(1000);
    server = undefined;
    pki.cleanup();
  });

  it('serves a replaced pair to new connections, and keeps the old one when the new pair is broken', async () => {
    // The kubelet's atomic writer: files are symlinks through `..data`, which is swapped with one rename.
    const mount = path.join(pki.dir, 'mount');
    const publish = (version: string, cert: string, key: string): void => {
      const dir = path.join(mount, version);
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(cert, path.join(dir, 'tls.crt'));
      fs.copyFileSync(key, path.join(dir, 'tls.key'));
      fs.symlinkSync(version, path.join(mount, '..data_tmp'));
      fs.renameSync(path.join(mount, '..data_tmp'), path.join(mount, '..data'));
    };
    publish('v1', pki.server.cert, pki.server.key);
    fs.symlinkSync('..data/tls.crt', path.join(mount, 'tls.crt'));
    fs.symlinkSync('..data/tls.key', path.join(mount, 'tls.key'));
    const log = captureLog();
    server = await startServer({
      app: echoApp,
      listen: { host: '127.0.0.1', port: 0 },
      tls: { certFile: path.join(mount, 'tls.crt'), keyFile: path.join(mount, 'tls.key'), reloadIntervalMs: 50 },
      logger: log.logger,
    });
    const s = server;
    const peer = async (): Promise<string> => (await get(s, '/', { ca: fs.readFileSync(pki.caCert) })).peerCn;
    expect(await peer()).toBe('image-reviewer-1');

    publish('v2', pki.server.cert, pki.server2.key);
    await waitFor(() => log.lines().some((l) => l.msg === 'TLS files not reloaded; the previous certificate stays in use'));
    expect(await peer()).toBe('image-reviewer-1');

    publish('v3', pki.server2.cert, pki.server2.key);
    await waitFor(async () => (await peer()) === 'image-reviewer-2');
    expect(log.lines().find((l) => l.msg === 'TLS certificate reloaded')).toMatchObject({ subject: 'CN=image-reviewer-2' });
  });
});

describe('graceful close', () => {
  const plainGet = (port: number, agent?: http.Agent): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', agent: agent ?? false }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });

  it('finishes an in-flight request, then refuses new connections', async () => {
    let arrived: () => void = () => undefined;
    const requestArrived = new Promise<void>((r) => (arrived = r));
    const slowApp: http.RequestListener = (_req, res) => {
      arrived();
      setTimeout(() => res.end('finished'), 300);
    };
    const s = await startServer({ app: slowApp, listen: { host: '127.0.0.1', port: 0 }, logger: captureLog().logger });
    const inFlight = plainGet(s.address.port);
    await requestArrived;
    const closed = s.close(5000);
    await expect(inFlight).resolves.toEqual({ status: 200, body: 'finished' });
    await closed;
    await expect(plainGet(s.address.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('closes idle keep-alive connections at once instead of waiting for the grace period', async () => {
    const s = await startServer({ app: echoApp, listen: { host: '127.0.0.1', port: 0 }, logger: captureLog().logger });
    const agent = new http.Agent({ keepAlive: true });
    await plainGet(s.address.port, agent);
    const started = Date.now();
    await s.close(10_000);
    expect(Date.now() - started).toBeLessThan(2000);
    agent.destroy();
  });

  it('destroys what is still open when the grace period ends', async () => {
    const log = captureLog();
    let arrived = false;
    const stuckApp: http.RequestListener = () => {
      arrived = true;
    };
    const s = await startServer({ app: stuckApp, listen: { host: '127.0.0.1', port: 0 }, logger: log.logger });
    const stuck = plainGet(s.address.port);
    await waitFor(() => arrived);
    const started = Date.now();
    await s.close(200);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(stuck).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(log.lines().some((l) => l.msg === 'grace period over; closing remaining connections')).toBe(true);
  });
});

describe('server limits', () => {
  it('uses keep-alive and header timeouts suited to the API server client, and checks them', async () => {
    const s = await startServer({ app: echoApp, listen: { host: '127.0.0.1', port: 0 }, logger: captureLog().logger });
    const agent = new http.Agent({ keepAlive: true });
    const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: s.address.port, agent }, (res) => {
        res.resume();
        resolve(res.headers);
      }).on('error', reject);
    });
    expect(headers['keep-alive']).toBe('timeout=95');
    agent.destroy();
    await s.close(1000);
    await expect(
      startServer({
        app: echoApp,
        listen: { host: '127.0.0.1', port: 0 },
        limits: { headersTimeoutMs: 60_000, requestTimeoutMs: 30_000 },
        logger: captureLog().logger,
      }),
    ).rejects.toThrow(UsageError);
  });
});

describe('parseListen', () => {
  it.each([
    ['[::]:8443', { host: '::', port: 8443 }],
    ['[::1]', { host: '::1', port: 8080 }],
    ['0.0.0.0:8443', { host: '0.0.0.0', port: 8443 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['localhost:9000', { host: 'localhost', port: 9000 }],
    ['image-reviewer.svc', { host: 'image-reviewer.svc', port: 8080 }],
  ])('%s', (text, expected) => {
    expect(parseListen(text, 8080)).toEqual(expected);
  });

  it.each(['', ':8443', '8443', '::1:8443', '[nothost]:1', '0.0.0.0:65536', '0.0.0.0:-1', '0.0.0.0:http', 'a b:1'])(
    'rejects %j',
    (text) => {
      expect(() => parseListen(text, 8080)).toThrow(UsageError);
    },
  );
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
