import fs from 'node:fs';
import path from 'node:path';
import { auditJsonRow } from '../helpers/audit-json-row';
import { postImageReview } from '../helpers/post-image-review';
import { runCli, seedCli } from '../helpers/run-cli';
import {
  type FakeServer,
  type TestRegistry,
  describeWithRegistry,
  pushImage,
  startFakeServer,
  startTestRegistry,
} from '../helpers/registry-server';
import { startServeInProcess } from '../helpers/serve-in-process';
import type { ServeHandle } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// `tags: resolve` (SPEC §4 `tag-unresolved`, §5): `serve` and `explain` run in-process through runCli, resolving
// tag-only images against Debian's real distribution registry, and against a server that accepts connections and
// never answers. What is judged, and recorded, is the digest the registry gave.

const FIXTURES = path.resolve(__dirname, '../fixtures');
// Long enough that the real registry answers a first, cold resolve on a busy machine; the hanging registry costs it once.
const DEADLINE_MS = 3000;

interface AuditImage {
  readonly image: string;
  readonly digest: string | null;
  readonly allowed: boolean;
  readonly reasons: readonly string[];
}

describeWithRegistry('tags: resolve', {}, () => {
  let registry: TestRegistry;
  let hanging: FakeServer;
  let notAllowed: FakeServer;
  let dir: TempDir;
  let dbPath: string;
  let policyFile: string;
  let server: ServeHandle;
  let approved: string;

  const policy = (cacheSeconds: number): string => `
registries: [${JSON.stringify(registry.host)}, ${JSON.stringify(hanging.host)}]
tags: resolve
tagCacheSeconds: ${cacheSeconds}
scan: {required: true, maxAgeDays: 3650, maxFindings: {CRITICAL: 0}}
`;

  beforeAll(async () => {
    registry = await startTestRegistry();
    hanging = await startFakeServer(() => undefined); // accepts every request and never answers it
    notAllowed = await startFakeServer((_req, res) => void res.writeHead(500).end());
    dir = makeTempDir('resolve-mode-');
    dbPath = dir.file('store.db');
    policyFile = dir.file('policy.yaml');
    fs.writeFileSync(policyFile, policy(3600));
    approved = (await pushImage(registry, 'team/api', '2.0', { created: '2025-04-01T00:00:00Z' })).digest;
    await pushImage(registry, 'team/api', 'unvetted', { created: '2025-04-02T00:00:00Z' });
    await seedCli(dbPath, ['approve', `${registry.host}/team/api:2.0`]);
    await seedCli(dbPath, ['scan', 'import', path.join(FIXTURES, 'trivy/defectdojo-image-multi-digest.json'), '--image', `${registry.host}/team/api@${approved}`]);
    server = await startServeInProcess([
      '--db', dbPath, 'serve', '--listen', '127.0.0.1:0', '--policy', policyFile, '--resolve-deadline-ms', String(DEADLINE_MS),
    ]);
  });

  afterAll(async () => {
    await server?.stop();
    await hanging?.close();
    await notAllowed?.close();
    await registry?.stop();
    dir?.cleanup();
  });

  const review = (images: readonly string[], namespace = 'payments') => postImageReview(server.baseUrl, images, namespace);

  const auditImages = async (id: string): Promise<readonly AuditImage[]> => (await auditJsonRow(dbPath, id)).images as AuditImage[];

  it('allows a tag whose resolved digest is approved and scanned, and records that digest', async () => {
    const image = `${registry.host}/team/api:2.0`;
    const answer = await review([image]);
    expect(answer).toMatchObject({ status: 200, allowed: true });
    expect(await auditImages(answer.id)).toEqual([{ image, repository: `${registry.host}/team/api`, digest: approved, allowed: true, reasons: [], unchanged: false, signature: null }]);
  });

  it('judges a tag that points to an unapproved digest by that digest', async () => {
    const answer = await review([`${registry.host}/team/api:unvetted`]);
    expect(answer).toMatchObject({ status: 200, allowed: false });
    const [image] = await auditImages(answer.id);
    expect(image?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image?.digest).not.toBe(approved);
    expect(image?.reasons).toEqual(['not-approved', 'scan-missing']);
  });

  it('denies with tag-unresolved, within the deadline, when the registry never answers', async () => {
    const image = `${hanging.host}/slow/app:1.0`;
    const started = Date.now();
    const answer = await review([image]);
    const elapsed = Date.now() - started;
    expect(answer.status).toBe(200);
    expect(answer.allowed).toBe(false);
    expect(answer.reason).toContain(`tag-unresolved (tag "1.0" could not be resolved: registry did not answer within ${DEADLINE_MS} ms)`);
    expect(elapsed).toBeLessThan(DEADLINE_MS + 1500);
    expect(hanging.requests.length).toBeGreaterThan(0);
    expect(await auditImages(answer.id)).toEqual([
      expect.objectContaining({ image, digest: null, allowed: false, reasons: expect.arrayContaining(['tag-unresolved']) as unknown }),
    ]);
  });

  it('never contacts a registry the policy does not allow', async () => {
    const answer = await review([`${notAllowed.host}/evil/app:1.0`]);
    expect(answer).toMatchObject({ status: 200, allowed: false });
    expect((await auditImages(answer.id))[0]?.reasons).toContain('registry-not-allowed');
    expect(notAllowed.requests).toEqual([]);
  });

  it('explain resolves the tag as serve does', async () => {
    const result = await runCli(dbPath, ['explain', `${registry.host}/team/api:2.0`, '--policy', policyFile, '--json']);
    expect(result.status).toBe(0);
    type Check = { name: string; outcome: string; message: string };
    const decision = JSON.parse(result.stdout) as { allowed: boolean; images: { digest: string; tag: string; checks: Check[] }[] };
    expect(decision).toMatchObject({ allowed: true, images: [{ tag: '2.0', digest: approved }] });
    // Passed checks' messages are built only when read (check-result.ts): --json still writes them.
    expect(decision.images[0]?.checks).toEqual(
      expect.arrayContaining([
        { name: 'tag-resolution', outcome: 'pass', message: `tag "2.0" resolved to ${approved}` },
        { name: 'approval', outcome: 'pass', message: expect.stringMatching(/^approved by .+ at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as string },
      ]),
    );
  });

  it('applies a reloaded, shorter tagCacheSeconds to answers cached before the reload', async () => {
    const image = `${registry.host}/team/api:moving`;
    const first = (await pushImage(registry, 'team/api', 'moving', { created: '2025-05-01T00:00:00Z' })).digest;
    expect((await auditImages((await review([image])).id))[0]?.digest).toBe(first);
    const moved = (await pushImage(registry, 'team/api', 'moving', { created: '2025-05-02T00:00:00Z' })).digest;
    // Cached for an hour under the first policy.
    expect((await auditImages((await review([image])).id))[0]?.digest).toBe(first);

    const reloaded = server.logs.length;
    fs.writeFileSync(policyFile, policy(0));
    server.signal('SIGHUP');
    await waitFor(() => server.logs.slice(reloaded).some((line) => line.msg === 'policy reloaded'));
    expect((await auditImages((await review([image])).id))[0]?.digest).toBe(moved);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
