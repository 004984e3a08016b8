import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli';
import { startServeInProcess } from '../helpers/serve-in-process';
import type { ServeHandle } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// `serve --dashboard-token-file` (SPEC §7, §10): without the token the dashboard shows nothing; off loopback the
// token is required, so serve refuses to start without one.

const POLICY = path.resolve(__dirname, '../../policy/sample-policy.yaml');
const TOKEN = 'correct-horse-battery-staple-42';

describe('dashboard token', () => {
  let tmp: TempDir;
  let serve: ServeHandle | undefined;
  let base: string;

  beforeEach(async () => {
    tmp = makeTempDir('image-reviewer-dashboard-token-');
    fs.writeFileSync(tmp.file('token'), `${TOKEN}\n`, { mode: 0o600 });
    await runCli(tmp.file('store.db'), ['migrate']);
  });
  afterEach(async () => {
    await serve?.stop();
    serve = undefined;
    tmp.cleanup();
  });

  async function start(): Promise<void> {
    serve = await startServeInProcess([
      '--db', tmp.file('store.db'), 'serve', '--policy', POLICY, '--listen', '127.0.0.1:0',
      '--dashboard', '127.0.0.1:0', '--dashboard-token-file', tmp.file('token'),
    ]);
    const line = serve.logs.find((l) => l.msg === 'dashboard');
    expect(line).toMatchObject({ token: true });
    // The log names the address, never the token.
    expect(JSON.stringify(serve.logs)).not.toContain(TOKEN);
    base = String(line?.url).replace(/\/$/, '');
  }

  it('refuses every page without the token, and shows them with it', async () => {
    await start();
    const refused = await fetch(`${base}/decisions`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="image-reviewer dashboard"');
    expect(refused.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await refused.text()).not.toContain('Decisions</h1>');
    expect((await fetch(`${base}/decisions.csv`, { headers: { Authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
    expect((await fetch(`${base}/assets/dashboard.css`)).status).toBe(401);
    const shown = await fetch(`${base}/decisions`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('Decisions</h1>');
  });

  it('lets a browser in through ?token= once, then by an HttpOnly cookie, the token gone from the address', async () => {
    await start();
    const login = await fetch(`${base}/decisions?namespace=prod&token=${TOKEN}`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/decisions?namespace=prod');
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^image-reviewer-dashboard=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
    const shown = await fetch(`${base}/decisions?namespace=prod`, { headers: { Cookie: cookie.split(';')[0] ?? '' } });
    expect(shown.status).toBe(200);
    expect((await fetch(`${base}/?token=not-the-token-at-all`, { redirect: 'manual' })).status).toBe(401);
  });

  it('refuses to start on a non-loopback address without a token (exit 2, one line)', async () => {
    const result = await runCli(tmp.file('store.db'), ['serve', '--policy', POLICY, '--listen', '127.0.0.1:0', '--dashboard', '0.0.0.0:0']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'error: --dashboard 0.0.0.0:0 is not a loopback address: give --dashboard-token-file or --dashboard-client-ca (the audit trail must not be open to the network)\n',
    );
  });
});
