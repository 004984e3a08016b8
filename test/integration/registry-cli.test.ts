import dns from 'node:dns/promises';
import fs from 'node:fs';
import os from 'node:os';
import { runCli } from '../helpers/run-cli';
import {
  type TestRegistry,
  describeWithRegistry,
  pushImage,
  pushIndex,
  startTestRegistry,
} from '../helpers/registry-server';
import { useCliStore } from '../helpers/use-cli-store';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store';

// `approve`, `revoke` and `explain` as users run them (runCli in-process), against Debian's real distribution registry
// (docker-registry) on a loopback port: what is stored (read back with `approvals --json`), what is printed, and
// the exit codes.

const store = useCliStore('registry-cli-');
// A migrated store from the start, so `approvals` (read-only: it refuses a missing store) can show that nothing was stored.
beforeEach(async () => openSqliteStore(store.dbPath, 'read-write').close());

interface ApprovalJson {
  readonly repository: string;
  readonly digest: string;
  readonly tag: string | null;
  readonly imageCreatedAt: string | null;
  readonly status: string;
}

async function approvals(...flags: string[]): Promise<ApprovalJson[]> {
  const result = await runCli(store.dbPath, ['approvals', '--json', ...flags]);
  expect(result).toMatchObject({ status: 0, stderr: '' });
  return JSON.parse(result.stdout) as ApprovalJson[];
}

describeWithRegistry('approve, revoke and explain against docker-registry', {}, () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('approves a tag as the digest the registry serves, recording the tag and the build time', async () => {
    const pushed = await pushImage(registry, 'team/app', '1.0', { created: '2025-03-04T05:06:07Z' });
    const ref = `${registry.host}/team/app:1.0`;
    expect(await runCli(store.dbPath, ['approve', ref, '--reason', 'release 1.0'])).toEqual({
      status: 0,
      stdout: `approved ${registry.host}/team/app@${pushed.digest} (tag 1.0, no expiry, built 2025-03-04T05:06:07.000Z)\n`,
      stderr: '',
    });
    expect(await approvals()).toMatchObject([
      { repository: `${registry.host}/team/app`, digest: pushed.digest, tag: '1.0', imageCreatedAt: '2025-03-04T05:06:07.000Z', status: 'active' },
    ]);
  });

  it('approves a multi-platform image as its index digest and names the platforms it covers', async () => {
    const index = await pushIndex(
      registry,
      'team/multi',
      '2.0',
      [
        { os: 'linux', architecture: 'amd64', created: '2025-01-02T00:00:00Z' },
        { os: 'linux', architecture: 'arm64', variant: 'v8', created: '2025-01-01T00:00:00Z' },
      ],
      true,
    );
    const result = await runCli(store.dbPath, ['approve', `${registry.host}/team/multi:2.0`]);
    expect(result).toEqual({
      status: 0,
      // The build time is the oldest platform's; the BuildKit attestation (unknown/unknown) is not a platform.
      stdout: `approved ${registry.host}/team/multi@${index.digest} (tag 2.0, no expiry, built 2025-01-01T00:00:00.000Z, platforms linux/amd64, linux/arm64/v8)\n`,
      stderr: '',
    });
    expect(await approvals()).toMatchObject([{ digest: index.digest, tag: '2.0' }]);
  });

  it('checks that a digest reference exists: exit 1 with the registry named, nothing stored', async () => {
    await pushImage(registry, 'team/app', '1.0', { created: '2025-03-04T05:06:07Z' });
    const missing = `sha256:${'0'.repeat(64)}`;
    expect(await runCli(store.dbPath, ['approve', `${registry.host}/team/app@${missing}`])).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: registry ${registry.host} has no manifest ${registry.host}/team/app@${missing}\n`,
    });
    expect(await approvals()).toEqual([]);
  });

  it('approves a list concurrently: every good line stored, each bad line named, a summary, exit 1', async () => {
    const pushed = [];
    for (let i = 0; i < 22; i++) pushed.push(await pushImage(registry, 'bulk/app', `v${i}`, { created: `2025-02-${String(i + 1).padStart(2, '0')}T00:00:00Z` }));
    const lines = pushed.map((_p, i) => `${registry.host}/bulk/app:v${i}`);
    lines.splice(5, 0, `${registry.host}/bulk/app:no-such-tag`);
    lines.splice(12, 0, 'Not A Reference');
    const list = store.dir.file('list.txt');
    fs.writeFileSync(list, `# release train 7\n${lines.join('\n')}\n`);

    const result = await runCli(store.dbPath, ['approve', '--file', list, '--concurrency', '8']);
    expect(result.status).toBe(1);
    // Printed in the file's order whatever order the registry answered in.
    expect(result.stdout.trim().split('\n')).toEqual(
      pushed.map((p, i) => `approved ${registry.host}/bulk/app@${p.digest} (tag v${i}, no expiry, built ${new Date(p.created).toISOString()})`),
    );
    expect(result.stderr).toBe(
      `line 7: ${registry.host}/bulk/app:no-such-tag: registry ${registry.host} has no manifest ${registry.host}/bulk/app:no-such-tag\n` +
        'line 14: Not A Reference: invalid image reference "Not A Reference": reference contains whitespace\n' +
        'approved 22, failed 2\n',
    );
    expect((await approvals()).map((a) => a.digest).sort()).toEqual(pushed.map((p) => p.digest).sort());
  });

  it('revokes a tag reference as the digest it points to', async () => {
    const pushed = await pushImage(registry, 'team/app', '1.0', { created: '2025-03-04T05:06:07Z' });
    expect((await runCli(store.dbPath, ['approve', `${registry.host}/team/app:1.0`])).status).toBe(0);
    const result = await runCli(store.dbPath, ['revoke', `${registry.host}/team/app:1.0`, '--reason', 'CVE-2025-0001']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`revoked ${registry.host}/team/app@${pushed.digest} (approved as 1.0; the tag's current digest)\n`);
    expect(await approvals('--all')).toMatchObject([{ digest: pushed.digest, status: 'revoked' }]);
  });

  it('explains an old image as denied with image-too-old, from the build time recorded at approval', async () => {
    const pushed = await pushImage(registry, 'team/legacy', '0.9', { created: '2019-06-01T00:00:00Z' });
    expect((await runCli(store.dbPath, ['approve', `${registry.host}/team/legacy:0.9`])).status).toBe(0);
    const policy = store.dir.file('policy.yaml');
    fs.writeFileSync(policy, `registries: [${JSON.stringify(registry.host)}]\nscan: {required: false}\nimages: {maxAgeDays: 365}\n`);
    const result = await runCli(store.dbPath, ['explain', `${registry.host}/team/legacy@${pushed.digest}`, '--policy', policy, '--json']);
    expect(result.status).toBe(1);
    const decision = JSON.parse(result.stdout) as { allowed: boolean; images: { reasons: { code: string; message: string }[] }[] };
    expect(decision.allowed).toBe(false);
    expect(decision.images[0]?.reasons).toEqual([
      { code: 'image-too-old', message: expect.stringMatching(/^built at 2019-06-01.* days ago\), older than 365 days$/) as unknown as string },
    ]);
  });
});

describeWithRegistry('registry credentials from the global flags', { htpasswd: true }, () => {
  let registry: TestRegistry;
  let ref: string;
  let digest: string;

  beforeAll(async () => {
    registry = await startTestRegistry({ username: 'robot', password: 'pull:s3cret' });
    digest = (await pushImage(registry, 'private/app', '3.1', { created: '2025-05-05T00:00:00Z' })).digest;
    ref = `${registry.host}/private/app:3.1`;
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('reads the password from stdin with --registry-username after the subcommand', async () => {
    const result = await runCli(store.dbPath, ['approve', ref, '--registry-username', 'robot', '--registry-password-stdin'], {}, 'pull:s3cret\n');
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(await approvals()).toMatchObject([{ digest, tag: '3.1' }]);
  });

  it('reads credentials from --registry-config (given before the subcommand)', async () => {
    const config = store.dir.file('config.json');
    fs.writeFileSync(config, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('robot:pull:s3cret').toString('base64') } } }));
    const result = await runCli(store.dbPath, ['--registry-config', config, 'approve', ref]);
    expect(result).toMatchObject({ status: 0, stderr: '' });
  });

  it.each([
    ['without credentials', [], ''],
    ['with a wrong password', ['--registry-username', 'robot', '--registry-password-stdin'], 'wrong\n'],
  ])('exits 1 %s, naming the registry', async (_name, flags, input) => {
    const result = await runCli(store.dbPath, ['approve', ref, '--registry-config', store.dir.file('none.json'), ...flags], {}, input);
    expect(result).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: registry ${registry.host} denied access to ${registry.host}/private/app: check credentials\n`,
    });
    expect(await approvals()).toEqual([]);
  });

  it('refuses --registry-username without --registry-password-stdin (a password never goes on the command line)', async () => {
    const result = await runCli(store.dbPath, ['approve', ref, '--registry-username', 'robot']);
    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: 'error: --registry-username needs --registry-password-stdin (the password is read from stdin)\n',
    });
  });
});

describeWithRegistry('--insecure-registry', {}, () => {
  let registry: TestRegistry;
  // A name for this machine that resolves to 127.0.0.1 but is not spelled as loopback, so only
  // --insecure-registry lets the client use plain HTTP for it (SPEC §8). Null when the machine has none.
  let alias: string | null = null;

  beforeAll(async () => {
    registry = await startTestRegistry();
    const name = os.hostname().toLowerCase();
    const address = await dns.lookup(name, { family: 4 }).catch(() => null);
    if (name !== 'localhost' && /^[a-z0-9-]+$/.test(name) && address?.address === '127.0.0.1') alias = name;
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('reaches a non-loopback name over plain HTTP only when named, by flag or environment', async () => {
    if (alias === null) {
      console.warn(`SKIPPED --insecure-registry test: ${os.hostname()} does not resolve to 127.0.0.1`);
      return;
    }
    const port = registry.host.split(':')[1] ?? '';
    const host = `${alias}:${port}`;
    const pushed = await pushImage(registry, 'lab/app', '1', { created: '2025-01-01T00:00:00Z' });
    const ref = `${host}/lab/app:1`;

    const https = await runCli(store.dbPath, ['approve', ref]);
    expect(https.status).toBe(1);
    expect(https.stderr).toMatch(new RegExp(`^error: .*${host}`));

    expect(await runCli(store.dbPath, ['approve', ref, '--insecure-registry', host])).toMatchObject({ status: 0, stderr: '' });
    expect(await runCli(store.dbPath, ['approve', ref], { IMAGE_REVIEWER_INSECURE_REGISTRIES: `other.example:5000, ${host}` })).toMatchObject({ status: 0 });
    expect(await approvals()).toMatchObject([{ repository: `${host}/lab/app`, digest: pushed.digest }]);
  });
});
