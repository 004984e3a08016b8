import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { type FakeServer, startFakeServer } from '../helpers/registry-server';
import { type EventsServer, harborHeaders, postEvent, startEventsServer } from '../helpers/serve-events';
import { logged } from '../helpers/serve-process';
import { useCliStore } from '../helpers/use-cli-store';

// Harbor's SCANNING_COMPLETED webhook: the reviewer fetches the full report from Harbor's API and stores it as
// `scan import` would. Harbor itself cannot run here: its report API is a small HTTP server answering in Harbor's
// report format (test/fixtures/harbor-api/README.md), so what is tested is the request the reviewer makes (path with
// the repository name encoded twice, robot credentials) and what it does with the answer, good or bad.

const HARBOR = path.join(__dirname, '..', 'fixtures', 'harbor');
const API = path.join(__dirname, '..', 'fixtures', 'harbor-api');
const HELM_DIGEST = 'sha256:b50334049354ed01330403212605dce2f4676a4e787ed113506861d9cf3c5424';
const ALPINE_DIGEST = 'sha256:954b378c375d852eb3c63ab88978f640b4348b01c1b3456a024a81536dafbbf4';
const ROBOT = { username: 'robot$image-reviewer', password: 'robot-secret' };

const store = useCliStore('image-reviewer-harbor-');
let server: EventsServer | undefined;
let harbor: FakeServer | undefined;
/** What the fake Harbor answers next; swapped by a test to make it hang or talk nonsense. */
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = serveReports;

afterEach(async () => {
  await server?.serve.stop();
  await harbor?.close();
  server = undefined;
  harbor = undefined;
  answer = serveReports;
});

function serveReports(req: http.IncomingMessage, res: http.ServerResponse): void {
  const expectedAuth = `Basic ${Buffer.from(`${ROBOT.username}:${ROBOT.password}`).toString('base64')}`;
  if (req.headers.authorization !== expectedAuth) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"unauthorized"}]}');
    return;
  }
  const reports: Record<string, string> = {
    [`/api/v2.0/projects/test/repositories/alpine%252Fhelm/artifacts/${HELM_DIGEST}/additions/vulnerabilities`]: 'alpine-helm-3.8.1.json',
    [`/api/v2.0/projects/harbor/repositories/alpine/artifacts/${ALPINE_DIGEST}/additions/vulnerabilities`]: 'clean.json',
  };
  const file = reports[req.url ?? ''];
  if (file === undefined) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NOT_FOUND"}]}');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(fs.readFileSync(path.join(API, file)));
}

async function start(extra: readonly string[] = []): Promise<EventsServer> {
  harbor = await startFakeServer((req, res) => answer(req, res));
  fs.writeFileSync(store.dir.file('policy.yaml'), 'registries: [localhost, "harbor.xxx.xxxx.com", demo.goharbor.io]\nscan: {maxAgeDays: 100000, maxFindings: {CRITICAL: 0, HIGH: 0}}\n');
  const auth = Buffer.from(`${ROBOT.username}:${ROBOT.password}`).toString('base64');
  fs.writeFileSync(store.dir.file('config.json'), JSON.stringify({ auths: { [harbor.host]: { auth } } }));
  server = await startEventsServer(store.dbPath, store.dir.file('policy.yaml'), store.dir.file('secrets'), [
    '--harbor-url', `http://${harbor.host}`, '--registry-config', store.dir.file('config.json'), ...extra,
  ]);
  return server;
}

function sample(file: string): string {
  return fs.readFileSync(path.join(HARBOR, file), 'utf8');
}

describe('Harbor scan results', () => {
  it('fetches the report of a nested repository (name encoded twice) with the robot account and stores it as scan import would', async () => {
    const { eventsUrl } = await start();
    const answered = await postEvent(`${eventsUrl}/events/harbor`, sample('zulip-scanning-completed.json'), harborHeaders());
    expect(answered.body.events).toEqual([expect.objectContaining({ result: 'stored', outcome: 'scan-stored', detail: 'scan 1' })]);
    expect(harbor?.requests.map((r) => [r.method, r.url, r.headers['x-accept-vulnerabilities']])).toEqual([
      ['GET', `/api/v2.0/projects/test/repositories/alpine%252Fhelm/artifacts/${HELM_DIGEST}/additions/vulnerabilities`, expect.stringContaining('application/vnd.security.vulnerability.report; version=1.1')],
    ]);
    const shown = await store.cli('scan', 'show', `harbor.xxx.xxxx.com/test/alpine/helm@${HELM_DIGEST}`, '--json');
    expect(shown.status).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      digest: HELM_DIGEST,
      scanner: 'trivy',
      // Dated by the scan's end time (scan_overview end_time), as scan-stale judges it.
      scannedAt: '2022-03-31T08:32:56.000Z',
      counts: { CRITICAL: 0, HIGH: 4, MEDIUM: 0, LOW: 0, UNKNOWN: 1 },
    });
    // The same scan without its tag (Zulip's other fixture) is the same event: already received, nothing fetched again.
    const again = await postEvent(`${eventsUrl}/events/harbor`, sample('zulip-scanning-completed-no-tag.json'), harborHeaders());
    expect(again.body.events).toEqual([expect.objectContaining({ result: 'ignored', reason: 'already received (redelivery)' })]);
    expect(harbor?.requests).toHaveLength(1);
    expect(store.query("SELECT imported_by FROM scans")).toEqual([{ imported_by: 'harbor' }]);
    expect(await store.cli('audit', 'verify')).toMatchObject({ status: 0 });
  });

  it('shows a pushed digest in approvals pending with the verdict of its Harbor scan', async () => {
    const { eventsUrl } = await start();
    await postEvent(`${eventsUrl}/events/harbor`, sample('harbor-docs-push-artifact-default.json'), harborHeaders());
    const scanned = await postEvent(`${eventsUrl}/events/harbor`, sample('harbor-docs-scanning-completed-cloudevents.json'), harborHeaders('application/cloudevents+json'));
    expect(scanned.body.events).toEqual([expect.objectContaining({ outcome: 'scan-stored' })]);
    const pending = await store.cli('approvals', 'pending', '--policy', store.dir.file('policy.yaml'), '--json');
    expect(JSON.parse(pending.stdout)).toEqual([
      expect.objectContaining({
        repository: 'localhost/harbor/alpine',
        digest: ALPINE_DIGEST,
        scan: { scanner: 'trivy', scannedAt: '2023-04-03T06:12:55.000Z', counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 } },
        verdict: 'would-pass',
        reasons: [],
      }),
    ]);
    const table = await store.cli('approvals', 'pending', '--policy', store.dir.file('policy.yaml'));
    expect(table.stdout).toContain('would pass once approved');
    expect((await store.cli('approve', '--offline', `localhost/harbor/alpine@${ALPINE_DIGEST}`)).status).toBe(0);
    const explain = await store.cli('explain', '--policy', store.dir.file('policy.yaml'), `localhost/harbor/alpine@${ALPINE_DIGEST}`);
    expect(explain.status).toBe(0);
  });

  it('says why a pending digest would fail: Harbor found what the policy does not allow', async () => {
    const { eventsUrl } = await start();
    const push = { type: 'PUSH_ARTIFACT', occur_at: 1648715500, operator: 'robot$ci', event_data: {
      resources: [{ digest: HELM_DIGEST, tag: '3.8.1', resource_url: 'harbor.xxx.xxxx.com/test/alpine/helm:3.8.1' }],
      repository: { name: 'alpine/helm', namespace: 'test', repo_full_name: 'test/alpine/helm', repo_type: 'private' },
    } };
    await postEvent(`${eventsUrl}/events/harbor`, JSON.stringify(push), harborHeaders());
    await postEvent(`${eventsUrl}/events/harbor`, sample('zulip-scanning-completed.json'), harborHeaders());
    const pending = JSON.parse((await store.cli('approvals', 'pending', '--policy', store.dir.file('policy.yaml'), '--json')).stdout) as Record<string, unknown>[];
    expect(pending).toEqual([
      expect.objectContaining({
        repository: 'harbor.xxx.xxxx.com/test/alpine/helm',
        tag: '3.8.1',
        pushedBy: 'robot$ci',
        verdict: 'would-fail',
        reasons: [{ code: 'vulnerabilities', message: expect.stringContaining('HIGH') }],
      }),
    ]);
  });

  it('stores the clean scan of another Harbor (demo.goharbor.io sample) with no findings', async () => {
    const { eventsUrl } = await start();
    answer = (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(fs.readFileSync(path.join(API, 'clean.json')));
    const answered = await postEvent(`${eventsUrl}/events/harbor`, sample('zulip-scanning-completed-no-vulnerability.json'), harborHeaders());
    expect(answered.body.events).toEqual([expect.objectContaining({ outcome: 'scan-stored' })]);
    expect(harbor?.requests[0]?.url).toBe('/api/v2.0/projects/test123/repositories/test-image/artifacts/sha256:59856107563b1e1b2e48c8635e5cb44fa9b194f6a425e0b668917602213bb5b4/additions/vulnerabilities');
    expect(store.query('SELECT scanned_at FROM scans')).toEqual([{ scanned_at: Date.parse('2022-06-18T03:29:11Z') }]);
  });

  it('answers 502 with nothing stored when Harbor hangs, so that Harbor retries; the retry then succeeds', async () => {
    const { eventsUrl, serve } = await start(['--harbor-timeout-ms', '500']);
    answer = () => undefined;
    const hung = await postEvent(`${eventsUrl}/events/harbor`, sample('harbor-docs-scanning-completed-default.json'), harborHeaders());
    expect(hung.status).toBe(502);
    expect(hung.body.message).toMatch(/did not answer in time/);
    expect(store.query('SELECT count(*) AS n FROM registry_events')).toEqual([{ n: 0 }]);
    expect(store.query('SELECT count(*) AS n FROM scans')).toEqual([{ n: 0 }]);
    expect(await logged(serve, { level: 'warn', msg: 'invalid request', reason: 'harbor-report' })).not.toEqual([]);
    answer = serveReports;
    const retried = await postEvent(`${eventsUrl}/events/harbor`, sample('harbor-docs-scanning-completed-default.json'), harborHeaders());
    expect(retried.body.events).toEqual([expect.objectContaining({ outcome: 'scan-stored' })]);
  });

  it('answers 502 naming the problem when Harbor answers garbage, refuses the credentials, or has no report', async () => {
    const { eventsUrl } = await start();
    const post = () => postEvent(`${eventsUrl}/events/harbor`, sample('harbor-docs-scanning-completed-default.json'), harborHeaders());
    answer = (_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    expect(await post()).toEqual({ status: 502, body: expect.objectContaining({ message: `Harbor's vulnerability report for localhost/harbor/alpine@${ALPINE_DIGEST} is not JSON` }) });
    answer = (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"application/vnd.security.vulnerability.report; version=1.1": {"scanner": {"name": "Clair"}}}');
    expect((await post()).body.message).toMatch(/scanner "Clair" is not one image-reviewer stores/);
    answer = (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"application/vnd.security.vulnerability.report; version=1.1": {"scanner": {"name": "Trivy"}, "vulnerabilities": [{"id": 7}]}}');
    expect((await post()).body.message).toMatch(/vulnerabilities\[0\]\.id: must be a non-empty string/);
    answer = (_req, res) => void res.writeHead(401).end();
    expect((await post()).body.message).toMatch(/Harbor answered 401 .*check the robot account credentials/);
    answer = (_req, res) => void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NOT_FOUND"}]}');
    expect((await post()).body.message).toBe(`Harbor answered 404 for the report of localhost/harbor/alpine@${ALPINE_DIGEST}`);
    expect(store.query('SELECT count(*) AS n FROM registry_events')).toEqual([{ n: 0 }]);
    expect(store.query('SELECT count(*) AS n FROM scans')).toEqual([{ n: 0 }]);
  });
});
