// Signed images (SPEC §4 `signature-missing`, §5 `signatures`, §7 `approve`): the built CLI against Debian's real
// distribution registry, with signatures pushed in cosign's format (made in the test with node:crypto), and a test
// server for a registry that does not answer in time.
import fs from 'node:fs';
import {
  COSIGN_CONFIG,
  type TestKey,
  cosignManifest,
  generateCosignKey,
  pushCosignSignatures,
  signLayer,
  simpleSigningPayload,
  writePublicKey,
} from '../helpers/cosign-signatures';
import {
  OCI_MANIFEST,
  type TestRegistry,
  describeWithRegistry,
  pushImage,
  pushManifest,
  startFakeServer,
  startTestRegistry,
} from '../helpers/registry-server';
import { auditJsonRow } from '../helpers/audit-json-row';
import { postImageReview } from '../helpers/post-image-review';
import { runCli } from '../helpers/run-cli';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';
import { useCliStore } from '../helpers/use-cli-store';

const store = useCliStore('cli-signatures-');

interface ExplainJson {
  readonly allowed: boolean;
  readonly images: readonly { readonly reasons: readonly { readonly code: string; readonly message: string }[] }[];
}

describeWithRegistry('signed images: approve, approvals and explain against docker-registry', {}, () => {
  let registry: TestRegistry;
  let alice: TestKey;
  let bob: TestKey;
  let counter = 0;

  beforeAll(async () => {
    registry = await startTestRegistry();
    alice = generateCosignKey();
    bob = generateCosignKey();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  /** A policy next to its key files: signed/* needs alice, duo/* alice and bob, trusted/* is approved by alice. */
  function policy(): string {
    writePublicKey(alice, store.dir.file('alice.pub'));
    writePublicKey(bob, store.dir.file('bob.pub'));
    const file = store.dir.file('policy.yaml');
    fs.writeFileSync(file, [
      `registries: [${JSON.stringify(registry.host)}]`,
      'scan: {required: false}',
      'signatures:',
      `  - {repository: "${registry.host}/signed/*", keys: [alice.pub]}`,
      `  - {repository: "${registry.host}/duo/*", keys: [alice.pub, bob.pub], threshold: 2}`,
      `  - {repository: "${registry.host}/trusted/*", keys: [alice.pub], approves: true}`,
    ].join('\n'));
    return file;
  }

  /** A fresh image in `repository`, signed by `signers` in cosign's format; returns its digest. */
  async function image(repository: string, signers: readonly TestKey[]): Promise<string> {
    counter += 1;
    const pushed = await pushImage(registry, repository, `v${counter}`, { created: `2025-01-01T00:00:${String(counter).padStart(2, '0')}Z` });
    if (signers.length > 0) {
      const payload = simpleSigningPayload(`${registry.host}/${repository}`, pushed.digest);
      await pushCosignSignatures(registry, repository, pushed.digest, signers.map((key) => signLayer(key, payload)));
    }
    return pushed.digest;
  }

  async function approve(ref: string, ...flags: string[]) {
    return runCli(store.dbPath, ['approve', ref, '--policy', policy(), ...flags]);
  }

  async function explain(ref: string): Promise<ExplainJson & { status: number | null }> {
    const result = await runCli(store.dbPath, ['explain', ref, '--policy', policy(), '--json']);
    return { status: result.status, ...(JSON.parse(result.stdout) as ExplainJson) };
  }

  async function approvalsJson(): Promise<readonly Record<string, unknown>[]> {
    const result = await runCli(store.dbPath, ['approvals', '--all', '--json']);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    return JSON.parse(result.stdout) as Record<string, unknown>[];
  }

  it('approves a signed image, records who signed, and explain passes the signature check', async () => {
    const digest = await image('signed/app', [alice]);
    const ref = `${registry.host}/signed/app@${digest}`;
    const result = await approve(ref);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^approved ${registry.host}/signed/app@${digest} .*\\n {2}signed by alice\\.pub at \\S+Z\\n$`));
    expect(await approvalsJson()).toMatchObject([{
      digest,
      signature: { kind: 'verified', signers: ['alice.pub'], artifacts: [expect.stringMatching(/^sha256:/)], verifiedAt: expect.any(String) },
    }]);
    const text = await runCli(store.dbPath, ['explain', ref, '--policy', policy()]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/PASS signature: signed by alice\.pub at \S+ \(verified at approval\)/);
  });

  it('refuses an unsigned image, a wrong key, and a threshold not reached; nothing is stored', async () => {
    const unsigned = await image('signed/app', []);
    expect(await approve(`${registry.host}/signed/app@${unsigned}`)).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: cannot approve ${registry.host}/signed/app@${unsigned}: signature-missing: no signature found (--allow-unsigned approves it anyway, recorded)\n`,
    });
    const byBob = await image('signed/app', [bob]);
    expect((await approve(`${registry.host}/signed/app@${byBob}`)).stderr).toMatch(/signature-missing: no valid signature: signature sha256:\w+ layers\[0\]: not signed by alice\.pub/);
    const half = await image('duo/app', [alice]);
    expect((await approve(`${registry.host}/duo/app@${half}`)).stderr).toMatch(/signature-missing: threshold not reached: 1 of 2 trusted signers \(alice\.pub\)/);
    const both = await image('duo/app', [alice, bob]);
    expect((await approve(`${registry.host}/duo/app@${both}`)).status).toBe(0);
    expect((await approvalsJson()).map((approval) => approval.digest)).toEqual([both]);
  });

  it('refuses a valid signature copied under another image’s .sig tag', async () => {
    const signed = await image('signed/app', [alice]);
    const other = await image('signed/app', []);
    const payload = simpleSigningPayload(`${registry.host}/signed/app`, signed);
    const layer = signLayer(alice, payload);
    await pushManifest(registry, 'signed/app', `sha256-${other.slice(7)}.sig`, OCI_MANIFEST, cosignManifest([layer], COSIGN_CONFIG));
    expect((await approve(`${registry.host}/signed/app@${other}`)).stderr).toContain(`digest claim mismatch: the payload signs ${signed}`);
  });

  it('--allow-unsigned approves anyway, recorded as the operator’s override, and explain says so', async () => {
    const unsigned = await image('signed/app', []);
    const ref = `${registry.host}/signed/app@${unsigned}`;
    expect(await approve(ref, '--allow-unsigned')).toMatchObject({ status: 0, stderr: '' });
    expect(await approvalsJson()).toMatchObject([{ digest: unsigned, signature: { kind: 'unsigned-allowed', by: 'tester' } }]);
    expect((await runCli(store.dbPath, ['explain', ref, '--policy', policy()])).stdout).toContain('PASS signature: unsigned, allowed by tester');
  });

  it('denies signature-missing for an approval without evidence (approved --offline)', async () => {
    const digest = await image('signed/app', [alice]);
    const ref = `${registry.host}/signed/app@${digest}`;
    const offline = await approve(ref, '--offline');
    expect(offline.status).toBe(0);
    expect(offline.stderr).toBe(`warning: ${registry.host}/signed/app needs signatures, which --offline cannot verify: reviews deny it (signature-missing) unless it is approved again with the registry\n`);
    expect(await explain(ref)).toMatchObject({
      status: 1,
      allowed: false,
      images: [{ reasons: [{ code: 'signature-missing', message: `no signature evidence recorded at approval for ${registry.host}/signed/app@${digest}` }] }],
    });
  });

  it('approves: true lets a signature approve an image nobody approved; a revoked one stays revoked', async () => {
    // explain reads a store and never creates one.
    expect((await runCli(store.dbPath, ['migrate'])).status).toBe(0);
    const digest = await image('trusted/app', [alice]);
    const ref = `${registry.host}/trusted/app@${digest}`;
    const text = await runCli(store.dbPath, ['explain', ref, '--policy', policy()]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/PASS approval: approved by signature: signed by alice\.pub at /);
    expect(text.stdout).toMatch(/PASS signature: signed by alice\.pub at \S+ \(verified at review: sha256:[0-9a-f]{64}\)/);
    const unsigned = await image('trusted/app', []);
    expect(await explain(`${registry.host}/trusted/app@${unsigned}`)).toMatchObject({
      status: 1,
      images: [{ reasons: [
        { code: 'not-approved', message: `no approval for ${registry.host}/trusted/app@${unsigned}` },
        { code: 'signature-missing', message: 'no signature found' },
      ] }],
    });
    expect((await approve(ref)).status).toBe(0);
    expect((await runCli(store.dbPath, ['revoke', ref, '--reason', 'CVE-2025-1'])).status).toBe(0);
    expect(await explain(ref)).toMatchObject({ status: 1, images: [{ reasons: [{ code: 'revoked' }] }] });
  });
});

describe('signed images: a registry that does not answer in time', () => {
  const hanging: { end(): void }[] = [];
  afterEach(() => hanging.splice(0).forEach((res) => res.end()));

  it('denies signature-missing at the review deadline (fail closed)', async () => {
    const server = await startFakeServer((_req, res) => void hanging.push(res));
    try {
      const key = generateCosignKey();
      writePublicKey(key, store.dir.file('release.pub'));
      const policy = store.dir.file('policy.yaml');
      fs.writeFileSync(policy, [
        `registries: [${JSON.stringify(server.host)}]`,
        'scan: {required: false}',
        `signatures: [{repository: "${server.host}/*", keys: [release.pub], approves: true}]`,
      ].join('\n'));
      const digest = `sha256:${'e'.repeat(64)}`;
      expect((await runCli(store.dbPath, ['migrate'])).status).toBe(0);
      const result = await runCli(store.dbPath, ['explain', `${server.host}/app@${digest}`, '--policy', policy, '--json', '--resolve-deadline-ms', '300']);
      expect(result.status).toBe(1);
      expect((JSON.parse(result.stdout) as ExplainJson).images[0]!.reasons).toEqual([
        { code: 'not-approved', message: `no approval for ${server.host}/app@${digest}` },
        { code: 'signature-missing', message: 'registry did not answer within 300 ms' },
      ]);
    } finally {
      await server.close();
    }
  });
});

describeWithRegistry('signed images: serve with approves: true', {}, () => {
  let registry: TestRegistry;
  let server: ServeProcess;
  let dir: TempDir;
  let signed: string;
  let unsigned: string;

  beforeAll(async () => {
    registry = await startTestRegistry();
    dir = makeTempDir('serve-signatures-');
    const key = generateCosignKey();
    writePublicKey(key, dir.file('release.pub'));
    fs.writeFileSync(dir.file('policy.yaml'), [
      `registries: [${JSON.stringify(registry.host)}]`,
      'scan: {required: false}',
      `signatures: [{repository: "${registry.host}/trusted/*", keys: [release.pub], approves: true}]`,
    ].join('\n'));
    signed = (await pushImage(registry, 'trusted/api', '1.0', { created: '2025-02-01T00:00:00Z' })).digest;
    unsigned = (await pushImage(registry, 'trusted/api', '1.1', { created: '2025-02-02T00:00:00Z' })).digest;
    await pushCosignSignatures(registry, 'trusted/api', signed, [signLayer(key, simpleSigningPayload(`${registry.host}/trusted/api`, signed))]);
    server = await startServeProcess(['--db', dir.file('store.db'), 'serve', '--listen', '127.0.0.1:0', '--policy', dir.file('policy.yaml')]);
  });
  afterAll(async () => {
    await server?.stop();
    await registry?.stop();
    dir?.cleanup();
  });

  const review = (image: string) => postImageReview(server.baseUrl, [image], 'prod');

  it('admits a signed digest nobody approved, denies an unsigned one, and records both', async () => {
    const allowed = await review(`${registry.host}/trusted/api@${signed}`);
    expect(allowed).toMatchObject({ status: 200, allowed: true, reason: '1 image approved' });
    const denied = await review(`${registry.host}/trusted/api@${unsigned}`);
    expect(denied.allowed).toBe(false);
    expect(denied.reason).toContain('signature-missing (no signature found)');
    // The evidence each verdict rested on is part of the audit row (migration 0007), and of its hash.
    expect((await auditJsonRow(dir.file('store.db'), allowed.id)).images).toEqual([expect.objectContaining({
      digest: signed,
      allowed: true,
      reasons: [],
      signature: { source: 'review', kind: 'verified', signers: ['release.pub'], artifacts: [expect.stringMatching(/^sha256:[0-9a-f]{64}$/)], verifiedAt: expect.stringMatching(/Z$/) },
    })]);
    expect((await auditJsonRow(dir.file('store.db'), denied.id)).images).toEqual([expect.objectContaining({
      digest: unsigned,
      allowed: false,
      reasons: ['not-approved', 'signature-missing'],
      signature: { source: 'review', kind: 'failed', error: 'no signature found' },
    })]);
    const verify = await runCli(dir.file('store.db'), ['audit', 'verify']);
    expect(verify).toMatchObject({ status: 0, stderr: '' });
    expect(verify.stdout).toMatch(/^audit chain ok: 2 decisions/);
  });
});
