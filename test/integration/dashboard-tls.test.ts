import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { type TestPki, createTestPki } from '../helpers/certs';
import { launchChromium } from '../helpers/chromium';
import { postImageReview } from '../helpers/post-image-review';
import { runCli } from '../helpers/run-cli';
import { startServeInProcess } from '../helpers/serve-in-process';
import type { ServeHandle } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// `serve --dashboard-tls-cert/--dashboard-tls-key --dashboard-client-ca` (issue 15 item 2: "a bearer token or a client
// certificate required when exposed"): the dashboard over HTTPS on a non-loopback address with no token, where only a
// client holding a certificate from the CA gets through the handshake. Real certificates (openssl, test/helpers/certs).

const POLICY = path.resolve(__dirname, '../../policy/sample-policy.yaml');

interface Reply {
  readonly status: number;
  readonly body: string;
}

jest.setTimeout(120_000);

describe('dashboard with a client certificate', () => {
  let pki: TestPki;
  let tmp: TempDir;
  let serve: ServeHandle;
  let port: number;

  beforeAll(async () => {
    pki = createTestPki();
    tmp = makeTempDir('image-reviewer-dashboard-tls-');
    await runCli(tmp.file('store.db'), ['migrate']);
    // 0.0.0.0: exposed, and no --dashboard-token-file; the client CA is what lets serve start.
    serve = await startServeInProcess([
      '--db', tmp.file('store.db'), 'serve', '--policy', POLICY, '--listen', '127.0.0.1:0', '--dashboard', '0.0.0.0:0',
      '--dashboard-tls-cert', pki.server.cert, '--dashboard-tls-key', pki.server.key, '--dashboard-client-ca', pki.caCert,
    ]);
    expect((await postImageReview(serve.baseUrl, ['nginx:1.27'], 'payments')).status).toBe(200);
    const line = serve.logs.find((l) => l.msg === 'dashboard');
    expect(line).toMatchObject({ token: false, clientCertificate: true });
    const url = new URL(String(line?.url));
    expect(url.protocol).toBe('https:');
    port = Number(url.port);
  }, 60_000);

  afterAll(async () => {
    await serve?.stop();
    tmp?.cleanup();
    pki?.cleanup();
  });

  function get(urlPath: string, tls: https.RequestOptions): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port, path: urlPath, agent: false, servername: 'localhost', ca: fs.readFileSync(pki.caCert), ...tls },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }
  const as = (pair: { cert: string; key: string }): https.RequestOptions => ({ cert: fs.readFileSync(pair.cert), key: fs.readFileSync(pair.key) });

  it('shows the pages to a client with a certificate from the client CA', async () => {
    const reply = await get('/decisions', as(pki.client));
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('Decisions</h1>');
    expect(reply.body).toContain('nginx:1.27');
  });

  it('refuses the handshake without a client certificate, or with one from another CA', async () => {
    await expect(get('/decisions', {})).rejects.toThrow(/certificate required|ECONNRESET|socket hang up/i);
    await expect(get('/decisions', as(pki.otherClient))).rejects.toThrow(/unknown ca|ECONNRESET|socket hang up|certificate/i);
  });

  it('opens in Chromium with the client certificate, and not without', async () => {
    const browser = await launchChromium();
    try {
      // The browser trusts the test CA's server certificate only through ignoreHTTPSErrors; the client side is real.
      const context = await browser.newContext({
        ignoreHTTPSErrors: true,
        clientCertificates: [{ origin: `https://localhost:${port}`, certPath: pki.client.cert, keyPath: pki.client.key }],
      });
      const page = await context.newPage();
      const response = await page.goto(`https://localhost:${port}/decisions`);
      expect(response?.status()).toBe(200);
      expect(await page.locator('h1').textContent()).toBe('Decisions');
      await context.close();
      const without = await browser.newContext({ ignoreHTTPSErrors: true });
      await expect((await without.newPage()).goto(`https://localhost:${port}/decisions`)).rejects.toThrow(/net::ERR_/);
      await without.close();
    } finally {
      await browser.close();
    }
  });

  it('refuses to start with a client CA but no dashboard certificate (exit 2, one line)', async () => {
    const result = await runCli(tmp.file('store.db'), [
      'serve', '--policy', POLICY, '--listen', '127.0.0.1:0', '--dashboard', '0.0.0.0:0', '--dashboard-client-ca', pki.caCert,
    ]);
    expect(result).toMatchObject({
      status: 2,
      stderr: 'error: --dashboard-client-ca needs --dashboard-tls-cert and --dashboard-tls-key (client certificates are a TLS feature)\n',
    });
  });
});
