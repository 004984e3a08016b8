import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { postImageReview } from '../helpers/post-image-review';
import { runCli, seedCli } from '../helpers/run-cli';
import { startServeInProcess } from '../helpers/serve-in-process';
import type { ServeHandle } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// The dashboard (issue 15) in a real Chromium, against `serve --dashboard` with decisions it recorded itself.
// DASHBOARD_SCREENSHOTS=docs/screenshots saves a screenshot of each page (README "Dashboard").

const DIGEST = `sha256:${'3f6d6c1b9a8e7f5a2c4b0e9d8a7c6b5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b'}`;
const APPROVED = `localhost:5000/team/api@${DIGEST}`;
const HOSTILE = '<script>alert(1)</script>';
const REVOKED = `localhost:5000/team/old@${DIGEST}`;
const POLICY = path.resolve(__dirname, '../../policy/sample-policy.yaml');
const SCAN = path.resolve(__dirname, '../fixtures/trivy/defectdojo-image-multi-digest.json');
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS;

async function review(baseUrl: string, images: readonly string[], namespace: string, annotations?: Record<string, string>): Promise<void> {
  expect((await postImageReview(baseUrl, images, namespace, annotations)).status).toBe(200);
}

function dashboardUrl(serve: ServeHandle): string {
  const line = serve.logs.find((l) => l.msg === 'dashboard');
  if (typeof line?.url !== 'string') throw new Error('serve logged no dashboard URL');
  return line.url.replace(/\/$/, '');
}

// Each page opens in a fresh browser page: on a loaded 2-core machine that can take seconds.
jest.setTimeout(120_000);

describe('dashboard in Chromium', () => {
  let db: string;
  let tmp: TempDir;
  let serve: ServeHandle;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    tmp = makeTempDir('image-reviewer-dashboard-');
    db = tmp.file('store.db');
    await seedCli(db, ['approve', '--offline', APPROVED, '--reason', 'quick start']);
    await seedCli(db, ['scan', 'import', SCAN, '--image', APPROVED]);
    await seedCli(db, ['approve', '--offline', `localhost:5000/team/expiring@${DIGEST}`, '--expires', '3d']);
    await seedCli(db, ['approve', '--offline', REVOKED, '--reason', 'first look']);
    await seedCli(db, ['revoke', REVOKED, '--reason', `${HOSTILE} CVE-2026-1`, '--by', 'security']);
    await seedCli(db, ['break-glass', 'grant', '--namespace', 'payments', '--ticket', 'INC-42', '--expires', '4h', '--reason', 'outage']);
    serve = await startServeInProcess(['--db', db, 'serve', '--policy', POLICY, '--listen', '127.0.0.1:0', '--dashboard', '127.0.0.1:0']);
    await review(serve.baseUrl, [APPROVED], 'payments');
    await review(serve.baseUrl, ['nginx:1.27', 'localhost:5000/team/worker:2.0'], 'payments');
    await review(serve.baseUrl, [HOSTILE], 'web');
    await review(serve.baseUrl, ['nginx:1.27'], 'dev-alice');
    await review(serve.baseUrl, [`localhost:5000/team/hotfix@${DIGEST}`], 'payments', { 'alpha.image-policy.k8s.io/break-glass': 'true', 'alpha.image-policy.k8s.io/ticket': 'INC-42' });
    base = dashboardUrl(serve);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    tmp?.cleanup();
  });

  /** Opens `path` in a fresh page; fails on any console error (a CSP violation is one), page error or dialog. */
  async function open(pathname: string, screenshot?: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    const response = await page.goto(`${base}${pathname}`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    await page.waitForLoadState('load');
    expect(problems).toEqual([]);
    if (SCREENSHOTS !== undefined && screenshot !== undefined) {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${screenshot}.png`), fullPage: true });
    }
    return page;
  }

  const rows = (page: Page): Promise<number> => page.locator('table.decisions tbody tr').count();

  it('shows every page without console errors, each with its CSP header', async () => {
    for (const [pathname, name] of [
      ['/', 'overview'],
      ['/decisions', 'decisions'],
      ['/decisions/2', 'decision'],
      ['/break-glass', 'break-glass'],
      ['/approvals', 'approvals'],
      [`/approvals/history?ref=${encodeURIComponent(REVOKED)}`, 'approval-history'],
    ] as const) {
      const page = await open(pathname, name);
      await page.close();
    }
  });

  it("shows the quick start's decisions, the denied one's reasons one click away", async () => {
    const page = await open('/decisions');
    expect(await rows(page)).toBe(5);
    await page.click('table.decisions tr[data-id="2"] a');
    await page.waitForURL(/\/decisions\/2$/);
    const reason = await page.locator('dd.reason').textContent();
    expect(reason).toContain('nginx:1.27: registry-not-allowed (docker.io is not an allowed registry)');
    expect(await page.locator('main').textContent()).toContain('localhost:5000/team/worker:2.0');
    await page.close();
  });

  it('filters change the rows shown', async () => {
    const page = await open('/decisions');
    await page.fill('input[name="namespace"]', 'payments');
    await Promise.all([page.waitForURL(/namespace=payments/), page.click('form.filters button')]);
    expect(await page.locator('table.decisions tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')))).toEqual(['5', '2', '1']);
    await page.selectOption('select[name="decision"]', 'denied');
    await Promise.all([page.waitForURL(/decision=denied/), page.click('form.filters button')]);
    expect(await page.locator('table.decisions tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')))).toEqual(['2']);
    await page.close();
  });

  it('pages through decisions, older ones on the next page', async () => {
    const page = await open('/decisions?limit=2');
    expect(await rows(page)).toBe(2);
    await Promise.all([page.waitForURL(/before=/), page.click('a[rel="next"]')]);
    expect(await page.locator('table.decisions tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')))).toEqual(['3', '2']);
    await page.close();
  });

  it('draws one chart point per bucket: 24 hours, 28 six-hour buckets, 30 days', async () => {
    for (const [window, points] of [['24h', 24], ['7d', 28], ['30d', 30]] as const) {
      const page = await open(`/?window=${window}`);
      const counts = await page.locator('svg.chart polyline').evaluateAll((lines) => lines.map((l) => (l.getAttribute('points') ?? '').trim().split(/\s+/).length));
      expect(counts).toEqual([points, points, points, points]);
      expect(await page.locator('svg.chart circle').count()).toBe(4 * points);
      await page.close();
    }
  });

  it('charts each decision once: allowed, denied, dry-run would-deny (dev-alice) and break-glass', async () => {
    const page = await open('/?window=24h');
    const totals: Record<string, number> = {};
    for (const series of await page.locator('svg.chart g[data-series]').all()) {
      const titles = await series.locator('circle title').allTextContents();
      totals[(await series.getAttribute('data-series')) ?? ''] = titles.reduce((sum, t) => sum + Number(/: (\d+) /.exec(t)?.[1]), 0);
    }
    expect(totals).toEqual({ allowed: 1, denied: 2, 'dry-run would-deny': 1, 'break-glass': 1 });
    expect(await page.locator('.legend span').allTextContents()).toEqual(['allowed 1', 'denied 2', 'dry-run would-deny 1', 'break-glass 1']);
    await page.close();
  });

  it('shows an image named <script>alert(1)</script> as text and runs nothing', async () => {
    const page = await open('/decisions?namespace=web');
    const cell = page.locator('table.decisions tbody tr td:last-child');
    expect(await cell.textContent()).toBe(HOSTILE);
    expect(await page.locator('main script').count()).toBe(0);
    const detail = await open('/decisions/3');
    expect(await detail.locator('main').textContent()).toContain(HOSTILE);
    expect(await detail.locator('script').count()).toBe(0);
    await page.close();
    await detail.close();
  });

  it('lists break-glass overrides with their ticket and the grant in force', async () => {
    const page = await open('/break-glass');
    const row = page.locator('table.decisions tbody tr');
    expect(await row.count()).toBe(1);
    const text = await row.textContent();
    expect(text).toContain('INC-42');
    expect(text).toMatch(/#1 by tester/);
    await page.close();
  });

  it('lists approvals expiring within 14 days apart from the rest', async () => {
    const page = await open('/approvals');
    expect(await page.locator('h2#expiring + div.panel table tbody tr').count()).toBe(1);
    expect(await page.locator('h2#expiring + div.panel').textContent()).toContain('localhost:5000/team/expiring');
    expect(await page.locator('h2#active + div.panel table tbody tr').count()).toBe(2);
    await page.close();
  });

  it("links each approval's digest to its history: every approve and revoke, the hostile reason shown as text", async () => {
    const page = await open('/approvals');
    await page.locator('h2#revoked + div.panel table tbody tr a', { hasText: DIGEST }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).searchParams.get('ref')).toBe(REVOKED);
    const cells = await Promise.all((await page.locator('table.history tbody tr').all()).map((tr) => tr.locator('td').allTextContents()));
    expect(cells.map((c) => [c[1], c[2], c[3], c[7]])).toEqual([
      ['approve', 'tester', 'localhost:5000/team/old', 'first look'],
      ['revoke', 'security', 'localhost:5000/team/old', `${HOSTILE} CVE-2026-1`],
    ]);
    expect(await page.locator('table.history script').count()).toBe(0);
    await page.close();
    const json = await fetch(`${base}/approvals/history.json?ref=${encodeURIComponent(REVOKED)}`);
    expect(((await json.json()) as { action: string; by: string }[]).map((e) => [e.action, e.by])).toEqual([
      ['approve', 'tester'],
      ['revoke', 'security'],
    ]);
    const csv = (await (await fetch(`${base}/approvals/history.csv?ref=${encodeURIComponent(REVOKED)}`)).text()).trimEnd().split('\r\n');
    expect(csv[0]).toBe('time,action,by,repository,digest,tag,expires,reason');
    expect(csv.slice(1).map((l) => l.split(',')[1])).toEqual(['approve', 'revoke']);
    const never = await fetch(`${base}/approvals/history?ref=${encodeURIComponent(`localhost:5000/team/none@${DIGEST}`)}`);
    expect([never.status, await never.text()]).toEqual([404, expect.stringContaining('no approval of localhost:5000/team/none@')]);
    expect((await fetch(`${base}/approvals/history?ref=${encodeURIComponent('UPPER CASE')}`)).status).toBe(400);
  });

  it('downloads the pending digests as approvals pending --csv prints them', async () => {
    const csv = await fetch(`${base}/approvals/pending.csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).trimEnd().split('\r\n')).toEqual(['repository,digest,tag,pushedAt,pushedBy,source,scanner,scannedAt,verdict,reasons']);
  });

  it('downloads each table as the CLI prints it', async () => {
    const csv = await fetch(`${base}/decisions.csv?namespace=payments`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^id,time,namespace,allowed,mode,breakGlass,ticket,reasons,images/);
    expect(lines).toHaveLength(4);
    const json = await fetch(`${base}/decisions.json?decision=denied`);
    const decisions = (await json.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as { id: number; allowed: boolean });
    expect(decisions.map((d) => [d.id, d.allowed])).toEqual([[3, false], [2, false]]);
  });

  it.each([
    ['/approvals.json', ['approvals', '--json']],
    ['/approvals.csv', ['approvals', '--csv']],
    ['/approvals.json?all=1', ['approvals', '--all', '--json']],
    ['/approvals.csv?all=1', ['approvals', '--all', '--csv']],
    ['/break-glass/grants.json', ['break-glass', 'list', '--all', '--json']],
    ['/break-glass/grants.csv', ['break-glass', 'list', '--all', '--csv']],
    ['/approvals/pending.json', ['approvals', 'pending', '--policy', POLICY, '--json']],
    ['/approvals/pending.csv', ['approvals', 'pending', '--policy', POLICY, '--csv']],
    ['/stats.csv?since=2020-01-01T00:00:00Z', ['audit', 'stats', '--since', '2020-01-01T00:00:00Z', '--csv']],
    ['/stats.json?since=2020-01-01T00:00:00Z', ['audit', 'stats', '--since', '2020-01-01T00:00:00Z', '--json']],
  ])('downloads %s byte for byte as `%s` prints it', async (download, args) => {
    const response = await fetch(`${base}${download}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="/);
    const cli = await runCli(db, args);
    expect(cli.status).toBe(0);
    expect(await response.text()).toBe(cli.stdout);
  });

  it('answers nothing but GET and HEAD', async () => {
    const response = await fetch(`${base}/decisions`, { method: 'POST' });
    expect(response.status).toBe(405);
  });
});
