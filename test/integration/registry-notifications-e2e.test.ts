import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EventsServer, REGISTRY_SECRET, startEventsServer } from '../helpers/serve-events';
import { type TestRegistry, describeWithRegistry, pushImage, startTestRegistry } from '../helpers/registry-server';
import { useCliStore } from '../helpers/use-cli-store';

// The README's walkthrough with Debian's real `docker-registry` (distribution 2.8): its `notifications: endpoints:`
// block points at serve's events listener, an image is pushed through the registry API, and it arrives as pending
// (delivery is asynchronous: waited for, bounded), then one `approve` clears it.

const store = useCliStore('image-reviewer-notify-');
let server: EventsServer | undefined;
let registry: TestRegistry | undefined;

afterEach(async () => {
  await registry?.stop();
  await server?.serve.stop();
  registry = undefined;
  server = undefined;
});

async function pendingNow(): Promise<Record<string, unknown>[]> {
  const result = await store.cli('approvals', 'pending', '--policy', store.dir.file('policy.yaml'), '--json');
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>[];
}

async function waitForPending(count: number): Promise<Record<string, unknown>[]> {
  // Generous bound: the registry posts from a goroutine queue, and the machine is shared.
  for (let i = 0; i < 150; i++) {
    const list = await pendingNow();
    if (list.length >= count) return list;
    await sleep(200);
  }
  throw new Error(`no ${count} pending digest(s) after 30 s`);
}

describeWithRegistry('docker-registry notifications → approvals pending', {}, () => {
  it('shows a pushed image as pending with its scan verdict, and one approve clears it', async () => {
    fs.writeFileSync(store.dir.file('policy.yaml'), 'registries: ["127.0.0.1:*"]\nscan: {required: false}\n');
    server = await startEventsServer(store.dbPath, store.dir.file('policy.yaml'), store.dir.file('secrets'));
    registry = await startTestRegistry(undefined, {
      url: `${server.eventsUrl}/events/registry`,
      headers: { Authorization: `Bearer ${REGISTRY_SECRET}` },
    });
    const pushed = await pushImage(registry, 'team/app', 'v1', { created: '2026-01-01T00:00:00Z', format: 'docker' });
    const [entry] = await waitForPending(1);
    expect(entry).toEqual({
      repository: `${registry.host}/team/app`,
      digest: pushed.digest,
      tag: 'v1',
      pushedBy: null,
      pushedAt: expect.any(String),
      source: 'registry',
      scan: null,
      verdict: 'would-pass',
      reasons: [],
    });
    // Blob pushes arrive too: received and ignored, never pending.
    expect(server.serve.logs.some((l) => l.msg === 'registry event' && l.result === 'ignored')).toBe(true);
    const approve = await store.cli('--insecure-registry', registry.host, 'approve', `${registry.host}/team/app:v1`, '--reason', 'reviewed');
    expect(approve.stderr).toBe('');
    expect(approve.status).toBe(0);
    expect(await pendingNow()).toEqual([]);
    const explain = await store.cli('explain', '--policy', store.dir.file('policy.yaml'), `${registry.host}/team/app@${pushed.digest}`);
    expect(explain.status).toBe(0);
  });
});
