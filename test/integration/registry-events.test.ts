import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { request } from 'undici';
import { type EventsServer, HARBOR_SECRET, harborHeaders, postEvent, registryHeaders, startEventsServer } from '../helpers/serve-events';
import { useCliStore } from '../helpers/use-cli-store';

// POST /events/harbor and /events/registry (SPEC §2) on serve's events listener, with every sample payload, then
// what an operator sees: `approvals pending`, `approvals --json`, the change log, metrics and log lines.

const HARBOR = path.join(__dirname, '..', 'fixtures', 'harbor');
const REGISTRY = path.join(__dirname, '..', 'fixtures', 'registry-notifications');
const POLICY = `registries: [localhost, harbor.example.com, hub.harbor.com, "harbor.xxx.xxxx.com", demo.goharbor.io, registrycluster.local, "hub.docker.example.com:5000"]
scan: {required: true, maxAgeDays: 100000, maxFindings: {CRITICAL: 0}}
autoApprove:
  - {repository: "harbor.example.com/example/*", pushedBy: admin}
`;

const ZULIP_PUSH_DIGEST = 'sha256:d72f37f783ed6a8d58ac70b4db052707d1ec9d4ea010ef5ccd84652faf9ed844';

const store = useCliStore('image-reviewer-events-');
let server: EventsServer | undefined;

afterEach(async () => {
  await server?.serve.stop();
  server = undefined;
});

async function start(policy = POLICY): Promise<EventsServer> {
  fs.writeFileSync(store.dir.file('policy.yaml'), policy);
  server = await startEventsServer(store.dbPath, store.dir.file('policy.yaml'), store.dir.file('secrets'));
  return server;
}

function sample(dir: string, file: string): string {
  return fs.readFileSync(path.join(dir, file), 'utf8');
}

async function pending(...args: string[]): Promise<Record<string, unknown>[]> {
  const result = await store.cli('approvals', 'pending', '--policy', store.dir.file('policy.yaml'), '--json', ...args);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as Record<string, unknown>[];
}

describe('/events/registry', () => {
  it('records every manifest push of the samples as pending, each once however often it is delivered', async () => {
    const { eventsUrl } = await start();
    const files: readonly [string, string][] = [
      ['registry2-captured-push-event.json', 'application/vnd.docker.distribution.events.v1+json'],
      ['distribution-docs-push-envelope.json', 'application/vnd.docker.distribution.events.v2+json'],
      ['distribution-event-test-envelope-v3.json', 'application/vnd.docker.distribution.events.v2+json'],
      ['distribution-event-test-envelope-v2.8.3.json', 'application/vnd.docker.distribution.events.v1+json'],
      ['distribution-docs-pull-manifest-event.json', 'application/json'],
    ];
    for (const [file, type] of files) {
      expect((await postEvent(`${eventsUrl}/events/registry`, sample(REGISTRY, file), registryHeaders(type))).status).toBe(200);
    }
    const changes = store.query('SELECT count(*) AS n FROM change_log');
    // Both senders retry: the same envelopes again change nothing.
    for (const [file, type] of files) {
      const again = await postEvent(`${eventsUrl}/events/registry`, sample(REGISTRY, file), registryHeaders(type));
      expect(again.body.stored).toBe(0);
    }
    expect(store.query('SELECT count(*) AS n FROM change_log')).toEqual(changes);
    expect(await pending()).toEqual([
      {
        repository: 'hub.docker.example.com:5000/nginx',
        digest: 'sha256:e3bcb0baf5cea75c897ef4a5b360d9331ebc6d44d3b53fc5c340ab1719e4ec3a',
        tag: '1806',
        pushedBy: 'hubadm1',
        pushedAt: '2017-10-05T17:31:52.044Z',
        source: 'registry',
        scan: null,
        verdict: 'would-fail',
        reasons: [{ code: 'scan-missing', message: expect.stringContaining('no scan') }],
      },
      {
        repository: 'registrycluster.local/library/test',
        digest: 'sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf',
        tag: null,
        pushedBy: 'test-actor',
        pushedAt: '2006-01-02T15:04:05.000Z',
        source: 'registry',
        scan: null,
        verdict: 'would-fail',
        reasons: [{ code: 'scan-missing', message: expect.stringContaining('no scan') }],
      },
    ]);
    expect(await pending('--repository', 'registrycluster.local/*')).toHaveLength(1);
    expect(store.query("SELECT actor, action FROM change_log WHERE action = 'registry-event'")).toEqual([
      { actor: 'hubadm1', action: 'registry-event' },
      { actor: 'test-actor', action: 'registry-event' },
    ]);
  });

  it('answers what it did with each event, logs one line per event and counts them', async () => {
    const { eventsUrl, serve } = await start();
    const answer = await postEvent(`${eventsUrl}/events/registry`, sample(REGISTRY, 'distribution-docs-push-envelope.json'), registryHeaders());
    expect(answer).toEqual({
      status: 200,
      body: {
        stored: 1,
        ignored: 2,
        events: [
          { repository: null, digest: null, type: 'push', result: 'ignored', reason: 'not a manifest (application/vnd.docker.container.image.rootfs.diff+x-gtar)' },
          { repository: null, digest: null, type: 'push', result: 'ignored', reason: 'not a manifest (application/vnd.docker.container.image.rootfs.diff+x-gtar)' },
          { repository: 'registrycluster.local/library/test', digest: expect.any(String), type: 'push', result: 'stored', outcome: 'pending', detail: null },
        ],
      },
    });
    expect(serve.logs.filter((l) => l.msg === 'registry event')).toHaveLength(3);
    const metrics = await (await request(`${serve.baseUrl}/metrics`)).body.text();
    expect(metrics).toContain('image_reviewer_registry_events_total{source="registry",type="push",result="received"} 3');
    expect(metrics).toContain('image_reviewer_registry_events_total{source="registry",type="push",result="stored"} 1');
    expect(metrics).toContain('image_reviewer_registry_events_total{source="registry",type="push",result="ignored"} 2');
  });

  it('ignores and counts events of registries the policy does not allow', async () => {
    const { eventsUrl } = await start('registries: [registry.corp.example]\n');
    const answer = await postEvent(`${eventsUrl}/events/registry`, sample(REGISTRY, 'registry2-captured-push-event.json'), registryHeaders());
    expect(answer.body.events).toEqual([
      expect.objectContaining({ result: 'ignored', reason: "registry hub.docker.example.com:5000 is not in the policy's registries" }),
    ]);
    expect(store.query('SELECT * FROM registry_events')).toEqual([]);
  });

  it('clears a pending digest when an operator approves it', async () => {
    const { eventsUrl } = await start();
    await postEvent(`${eventsUrl}/events/registry`, sample(REGISTRY, 'registry2-captured-push-event.json'), registryHeaders());
    expect(await pending()).toHaveLength(1);
    const approve = await store.cli('approve', '--offline', 'hub.docker.example.com:5000/nginx@sha256:e3bcb0baf5cea75c897ef4a5b360d9331ebc6d44d3b53fc5c340ab1719e4ec3a');
    expect(approve.status).toBe(0);
    expect(await pending()).toEqual([]);
  });
});

describe('/events/harbor', () => {
  it('records every Harbor push sample as pending (Default and CloudEvents), auto-approving the one autoApprove names', async () => {
    const { eventsUrl } = await start();
    const pushes: readonly [string, string][] = [
      ['harbor-docs-push-artifact-default.json', 'application/json'],
      ['harbor-docs-v2.0-push-artifact-default.json', 'application/json'],
      ['zulip-push-artifact.json', 'application/json; charset=utf-8'],
    ];
    for (const [file, type] of pushes) {
      expect((await postEvent(`${eventsUrl}/events/harbor`, sample(HARBOR, file), harborHeaders(type))).status).toBe(200);
    }
    // The CloudEvents example is published with `//` comments: as published it is refused, stripped it is the same push.
    const jsonc = sample(HARBOR, 'harbor-docs-push-artifact-cloudevents.jsonc');
    const refused = await postEvent(`${eventsUrl}/events/harbor`, jsonc, harborHeaders('application/cloudevents+json'));
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/^body is not valid JSON/);
    const cloud = await postEvent(`${eventsUrl}/events/harbor`, jsonc.replace(/^\s*\/\/.*$/gm, ''), harborHeaders('application/cloudevents+json'));
    expect(cloud.body).toEqual({ stored: 1, ignored: 0, events: [expect.objectContaining({ repository: 'localhost/harbor/alpine', outcome: 'pending' })] });
    const list = await pending();
    expect(list.map((p) => [p.repository, p.digest, p.tag, p.pushedBy, p.source])).toEqual([
      // Pushed by digest: Harbor repeats the digest as the tag, which is no tag (twice: Default then CloudEvents).
      ['localhost/harbor/alpine', 'sha256:954b378c375d852eb3c63ab88978f640b4348b01c1b3456a024a81536dafbbf4', null, 'harbor-jobservice', 'harbor'],
      ['hub.harbor.com/test-webhook/debian', 'sha256:8a9e9863dbb6e10edb5adfe917c00da84e1700fa76e7ed02476aa6e6fb8ee0d8', 'latest', 'admin', 'harbor'],
    ]);
    // harbor.example.com/example/test pushed by admin: autoApprove made the approval, through the approve service.
    const approvals = JSON.parse((await store.cli('approvals', '--json')).stdout) as Record<string, unknown>[];
    expect(approvals).toEqual([
      expect.objectContaining({
        repository: 'harbor.example.com/example/test',
        digest: ZULIP_PUSH_DIGEST,
        tag: 'latest',
        approvedBy: 'admin',
        reason: 'auto-approved on push',
        status: 'active',
        deletedFromRegistryAt: null,
      }),
    ]);
    expect(store.query("SELECT actor, action, subject FROM change_log WHERE action = 'approve'")).toEqual([
      { actor: 'admin', action: 'approve', subject: `harbor.example.com/example/test@${ZULIP_PUSH_DIGEST}` },
    ]);
    // Events and the auto-approval are in the chained change log, and the stored rows are what it says.
    expect(await store.cli('audit', 'verify')).toMatchObject({ status: 0, stderr: '' });
  });

  it('never re-approves a revoked digest on a later push (SPEC §4 Precedence)', async () => {
    const { eventsUrl } = await start();
    const push = JSON.parse(sample(HARBOR, 'zulip-push-artifact.json')) as Record<string, unknown>;
    await postEvent(`${eventsUrl}/events/harbor`, JSON.stringify(push), harborHeaders());
    expect((await store.cli('revoke', `harbor.example.com/example/test@${ZULIP_PUSH_DIGEST}`, '--reason', 'bad build')).status).toBe(0);
    const again = await postEvent(`${eventsUrl}/events/harbor`, JSON.stringify({ ...push, occur_at: 1571334999 }), harborHeaders());
    expect(again.body.events).toEqual([
      expect.objectContaining({ result: 'stored', outcome: 'approval-kept', detail: 'the approval is revoked: a push never approves it again' }),
    ]);
    const approvals = JSON.parse((await store.cli('approvals', '--all', '--json')).stdout) as Record<string, unknown>[];
    expect(approvals.map((a) => a.status)).toEqual(['revoked']);
    expect(await pending()).toEqual([]);
  });

  it('flags an approval whose digest Harbor deleted (DELETE_ARTIFACT), in approvals --json', async () => {
    const { eventsUrl } = await start();
    const digest = 'sha256:2bb501e6173d9d006e56de5bce2720eb06396803300fe1687b58a7ff32bf4c14';
    await store.cli('approve', '--offline', `localhost/harbor/alpine@${digest}`);
    const deleted = await postEvent(`${eventsUrl}/events/harbor`, sample(HARBOR, 'harbor-docs-delete-artifact-default.json'), harborHeaders());
    expect(deleted.body.events).toEqual([expect.objectContaining({ result: 'stored', outcome: 'recorded' })]);
    const approvals = JSON.parse((await store.cli('approvals', '--json')).stdout) as Record<string, unknown>[];
    expect(approvals).toEqual([expect.objectContaining({ digest, deletedFromRegistryAt: '2023-04-03T06:16:38.000Z' })]);
    expect((await store.cli('approvals')).stdout).toContain('active (deleted in registry)');
  });

  it('takes a pending digest out of the inbox when Harbor deletes it, and puts it back when it is pushed again', async () => {
    const { eventsUrl } = await start();
    const deletion = JSON.parse(sample(HARBOR, 'harbor-docs-delete-artifact-default.json')) as { occur_at: number };
    const push = { ...deletion, type: 'PUSH_ARTIFACT' };
    await postEvent(`${eventsUrl}/events/harbor`, JSON.stringify({ ...push, occur_at: deletion.occur_at - 60 }), harborHeaders());
    expect((await pending()).map((p) => p.tag)).toEqual(['3.8']);
    await postEvent(`${eventsUrl}/events/harbor`, JSON.stringify(deletion), harborHeaders());
    expect(await pending()).toEqual([]);
    await postEvent(`${eventsUrl}/events/harbor`, JSON.stringify({ ...push, occur_at: deletion.occur_at + 60 }), harborHeaders());
    expect((await pending()).map((p) => p.tag)).toEqual(['3.8']);
  });

  it('records failed and stopped scans, storing no scan', async () => {
    const { eventsUrl } = await start();
    for (const file of ['harbor-docs-scanning-failed-default.json', 'harbor-docs-scanning-stopped-default.json']) {
      const answer = await postEvent(`${eventsUrl}/events/harbor`, sample(HARBOR, file), harborHeaders());
      expect(answer.body.events).toEqual([expect.objectContaining({ result: 'stored', outcome: 'scan-not-stored', detail: expect.stringMatching(/^Harbor's scan ended (Error|Stopped)$/) })]);
    }
    expect(store.query('SELECT count(*) AS n FROM scans')).toEqual([{ n: 0 }]);
    expect(store.query('SELECT kind, outcome FROM registry_events ORDER BY id')).toEqual([
      { kind: 'scan-failed', outcome: 'scan-not-stored' },
      { kind: 'scan-stopped', outcome: 'scan-not-stored' },
    ]);
  });
});

describe('bad input to the events listener', () => {
  it('answers 401 to a wrong or missing secret, storing nothing and never echoing the secret', async () => {
    const { eventsUrl, serve } = await start();
    const body = sample(HARBOR, 'zulip-push-artifact.json');
    const wrong = await postEvent(`${eventsUrl}/events/harbor`, body, harborHeaders('application/json', 'not-the-secret-at-all'));
    expect(wrong).toEqual({ status: 401, body: expect.objectContaining({ code: 401, message: 'unauthenticated harbor event: the Authorization header does not carry the shared secret' }) });
    const none = await postEvent(`${eventsUrl}/events/registry`, sample(REGISTRY, 'registry2-captured-push-event.json'), { 'content-type': 'application/json' });
    expect(none.status).toBe(401);
    // The other source's secret is not this one's.
    const crossed = await postEvent(`${eventsUrl}/events/registry`, sample(REGISTRY, 'registry2-captured-push-event.json'), registryHeaders(undefined, HARBOR_SECRET));
    expect(crossed.status).toBe(401);
    expect(store.query('SELECT * FROM registry_events')).toEqual([]);
    expect(JSON.stringify(serve.logs)).not.toContain(HARBOR_SECRET);
    const metrics = await (await request(`${serve.baseUrl}/metrics`)).body.text();
    expect(metrics).toContain('image_reviewer_registry_events_total{source="harbor",type="unknown",result="rejected"} 1');
  });

  it('answers 400 naming the problem to malformed JSON, an unknown event type, a CloudEvents body sent as Default', async () => {
    const { eventsUrl } = await start();
    const url = `${eventsUrl}/events/harbor`;
    const malformed = await postEvent(url, '{"type": "PUSH_ARTIFACT",', harborHeaders());
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toMatch(/^body is not valid JSON/);
    const unknown = await postEvent(url, JSON.stringify({ ...JSON.parse(sample(HARBOR, 'zulip-push-artifact.json')), type: 'IMAGE_PUSHED' }), harborHeaders());
    expect(unknown).toEqual({ status: 400, body: expect.objectContaining({ message: 'harbor event: type: unknown Harbor event type "IMAGE_PUSHED"' }) });
    const mislabelled = await postEvent(url, sample(HARBOR, 'harbor-docs-scanning-completed-cloudevents.json'), harborHeaders('application/json'));
    expect(mislabelled).toEqual({
      status: 400,
      body: expect.objectContaining({ message: 'harbor event: this is a CloudEvents body (it has specversion): send it with Content-Type application/cloudevents+json' }),
    });
    const wrongType = await postEvent(`${eventsUrl}/events/registry`, sample(REGISTRY, 'registry2-captured-push-event.json'), registryHeaders('text/plain'));
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.message).toContain('Content-Type must be application/vnd.docker.distribution.events.v1+json');
    expect(store.query('SELECT * FROM registry_events')).toEqual([]);
  });

  it('refuses to start without a secret for the events listener, or with events flags but no listener (exit 2)', async () => {
    const noSecret = await store.cli('serve', '--listen', '127.0.0.1:0', '--events-listen', '127.0.0.1:0');
    expect(noSecret.status).toBe(2);
    expect(noSecret.stderr).toMatch(/^error: --events-listen needs a secret: --events-secret-file/);
    const noListener = await store.cli('serve', '--listen', '127.0.0.1:0', '--harbor-url', 'https://harbor.corp.example');
    expect(noListener).toMatchObject({ status: 2, stderr: 'error: --events-secret-file and --harbor-url need --events-listen\n' });
    fs.writeFileSync(store.dir.file('secrets'), `harbor ${HARBOR_SECRET}\n`);
    const plain = await store.cli('serve', '--listen', '127.0.0.1:0', '--events-listen', '127.0.0.1:0', '--events-secret-file', store.dir.file('secrets'), '--harbor-url', 'http://harbor.corp.example');
    expect(plain).toMatchObject({ status: 2, stderr: 'error: --harbor-url http://harbor.corp.example: plain HTTP only for loopback hosts and --insecure-registry hosts\n' });
    // The events port in use: serve stops what it started (the webhook listener) and exits 1.
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const busy = await store.cli('serve', '--listen', '127.0.0.1:0', '--events-listen', `127.0.0.1:${port}`, '--events-secret-file', store.dir.file('secrets'));
      expect(busy).toMatchObject({ status: 1, stderr: expect.stringMatching(/^error: cannot listen on 127\.0\.0\.1:\d+/) });
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('refuses a 50 MB body without storing anything', async () => {
    const { eventsUrl } = await start();
    const huge = Buffer.alloc(50 * 1024 * 1024, 0x20);
    const answer = await postEvent(`${eventsUrl}/events/registry`, huge, registryHeaders());
    expect(answer).toEqual({ status: 400, body: expect.objectContaining({ message: 'request body is larger than 1048576 bytes' }) });
    expect(store.query('SELECT * FROM registry_events')).toEqual([]);
  });
});
