import fs from 'node:fs';
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { createApproveCommand } from '../../src/cli/commands/approve';
import { createRevokeCommand } from '../../src/cli/commands/revoke';
import { createCliContext } from '../../src/cli/context';
import type { ImageRef } from '../../src/core/types';
import { AppError, EXIT_USAGE, RegistryError } from '../../src/errors';
import type { RegistryService } from '../../src/cli/registry-provider';
import type { ResolvedImage } from '../../src/registry/types';
import { useCliStore } from '../helpers/use-cli-store';

// `approve` and `revoke` with a registry client plugged in (the factory the registry engineer wires in
// src/cli/main.ts), and the `--file` progress bar on a terminal. Run in-process with a fake lookup, so
// the registry's answers are exact; the real client is tested against a real registry elsewhere.

const NGINX = 'docker.io/library/nginx';
const DA = `sha256:${'a'.repeat(64)}`;
const DB = `sha256:${'b'.repeat(64)}`;
const BUILT = Date.UTC(2025, 4, 1, 12);

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const store = useCliStore('cli-approve-registry-');
const { query } = store;

/** Answers from a table keyed by the reference as typed; records what it was asked. */
function fakeRegistry(answers: Readonly<Record<string, ResolvedImage | RegistryError>>): RegistryService & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    // The default policy has no signatures entry, so approve never asks for signatures.
    signatures: () => Promise.reject(new Error('signatures were not expected to be looked up')),
    resolve: async (ref: ImageRef) => {
      asked.push(ref.original);
      const answer = answers[ref.original];
      if (answer === undefined) throw new RegistryError(`${ref.original}: manifest unknown (404)`);
      if (answer instanceof RegistryError) throw answer;
      return answer;
    },
  };
}

function resolved(digest: string, tag: string | null, platforms: readonly string[] = []): ResolvedImage {
  return { repository: NGINX, digest, tag, mediaType: 'application/vnd.oci.image.index.v1+json', platforms, createdAt: BUILT };
}

async function run(registry: RegistryService, args: readonly string[], tty = false) {
  const stdout = new Capture(false);
  const stderr = new Capture(tty);
  const program = new Command('image-reviewer').exitOverride().configureOutput({
    writeOut: (s) => void stdout.write(s),
    writeErr: (s) => void stderr.write(s),
  });
  const ctx = createCliContext({ stdout, stderr, env: { IMAGE_REVIEWER_ACTOR: 'tester' } }, () => store.dbPath);
  createApproveCommand(registry)(program, ctx);
  createRevokeCommand(registry)(program, ctx);
  program.commands.forEach((c) => c.exitOverride());
  let status = 0;
  try {
    await program.parseAsync([...args], { from: 'user' });
    status = ctx.exitCode();
  } catch (err) {
    if (err instanceof AppError) {
      stderr.write(`error: ${err.message}\n`);
      status = err.exitCode;
    } else if (err instanceof CommanderError) {
      status = EXIT_USAGE;
    } else {
      throw err;
    }
  }
  return { status, stdout: stdout.text, stderr: stderr.text };
}

describe('approve with a registry client', () => {
  it('resolves a tag to its digest and records the tag and build time', async () => {
    const registry = fakeRegistry({ 'nginx:1.25': resolved(DA, '1.25', ['linux/amd64', 'linux/arm64']) });
    expect(await run(registry, ['approve', 'nginx:1.25', '--expires', '2030-01-01'])).toEqual({
      status: 0,
      stdout: `approved ${NGINX}@${DA} (tag 1.25, expires 2030-01-01T00:00:00.000Z, built 2025-05-01T12:00:00.000Z, platforms linux/amd64, linux/arm64)\n`,
      stderr: '',
    });
    expect(query('SELECT repository, digest, tag, image_created_at FROM approvals')).toEqual([
      { repository: NGINX, digest: DA, tag: '1.25', image_created_at: BUILT },
    ]);
  });

  it('checks that a digest reference exists in the registry', async () => {
    const registry = fakeRegistry({ [`nginx@${DA}`]: resolved(DA, null) });
    const result = await run(registry, ['approve', `nginx@${DA}`]);
    expect(result).toEqual({ status: 0, stdout: `approved ${NGINX}@${DA} (no expiry, built 2025-05-01T12:00:00.000Z)\n`, stderr: '' });
    expect(registry.asked).toEqual([`nginx@${DA}`]);
  });

  it('does not ask the registry with --offline', async () => {
    const registry = fakeRegistry({});
    expect((await run(registry, ['approve', `nginx@${DA}`, '--offline'])).status).toBe(0);
    expect(registry.asked).toEqual([]);
  });

  it.each([
    ['the registry does not know the reference', {}, `nginx@${DA}`, `error: nginx@${DA}: manifest unknown (404)\n`],
    [
      'the registry serves another digest for name:tag@digest',
      { [`nginx:1.25@${DA}`]: resolved(DB, '1.25') },
      `nginx:1.25@${DA}`,
      `error: nginx:1.25@${DA}: the registry serves ${DB}, not ${DA}\n`,
    ],
  ])('exits 1 when %s, storing nothing', async (_name, answers, ref, stderr) => {
    expect(await run(fakeRegistry(answers), ['approve', ref])).toEqual({ status: 1, stdout: '', stderr });
    expect(query('SELECT * FROM approvals')).toEqual([]);
  });
});

describe('approve --file on a terminal', () => {
  it('draws a progress bar on stderr and clears it before each failure and the summary', async () => {
    const list = store.dir.file('list.txt');
    fs.writeFileSync(list, `nginx:1.25\nnginx:missing\n`);
    const registry = fakeRegistry({ 'nginx:1.25': resolved(DA, '1.25') });
    const result = await run(registry, ['approve', '--file', list], true);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(`approved ${NGINX}@${DA} (tag 1.25, no expiry, built 2025-05-01T12:00:00.000Z)\n`);
    expect(result.stderr).toBe(
      `\r[${'.'.repeat(30)}] 0/2` +
        `\r[${'#'.repeat(15)}${'.'.repeat(15)}] 1/2` +
        '\r\x1b[2K' +
        'line 2: nginx:missing: nginx:missing: manifest unknown (404)\n' +
        '\r\x1b[2K' +
        'approved 1, failed 1\n',
    );
  });
});

describe('revoke with a registry client', () => {
  it('resolves a tag reference to the digest to revoke', async () => {
    const registry = fakeRegistry({ 'nginx:1.25': resolved(DA, '1.25') });
    await run(registry, ['approve', `nginx@${DA}`, '--offline']);
    const result = await run(registry, ['revoke', 'nginx:1.25', '--reason', 'CVE']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`revoked ${NGINX}@${DA} (the tag's current digest)\n`);
    expect(query('SELECT revoked_by, revoke_reason FROM approvals')).toEqual([{ revoked_by: 'tester', revoke_reason: 'CVE' }]);
  });

  // Issue 10 item 5, SPEC §7: a tag moves; the digest a pod names may be any that was approved under it.
  it('revokes every digest approved under the tag and the one it points to now, printing each', async () => {
    const registry = fakeRegistry({ 'nginx:1.25': resolved(DB, '1.25') });
    const DC = `sha256:${'c'.repeat(64)}`;
    await run(registry, ['approve', `nginx:1.25@${DA}`, '--offline']);
    await run(registry, ['approve', `nginx@${DB}`, '--offline']);
    await run(registry, ['approve', `nginx:1.26@${DC}`, '--offline']);
    const result = await run(registry, ['revoke', 'nginx:1.25', '--reason', 'CVE']);
    expect(result).toMatchObject({ status: 0, stdout: `revoked ${NGINX}@${DA} (approved as 1.25)\nrevoked ${NGINX}@${DB} (the tag's current digest)\n` });
    expect(query('SELECT digest, revoke_reason FROM approvals ORDER BY id')).toEqual([
      { digest: DA, revoke_reason: 'CVE' },
      { digest: DB, revoke_reason: 'CVE' },
      { digest: DC, revoke_reason: null },
    ]);
  });

  it('says so when the registry does not answer, and revokes the digests recorded under the tag', async () => {
    const registry = fakeRegistry({ 'nginx:1.25': new RegistryError('registry docker.io: connection refused') });
    await run(registry, ['approve', `nginx:1.25@${DA}`, '--offline']);
    expect(await run(registry, ['revoke', 'nginx:1.25'])).toMatchObject({
      status: 0,
      stdout: `revoked ${NGINX}@${DA} (approved as 1.25)\n`,
      stderr: expect.stringMatching(/^warning: the registry did not say where nginx:1\.25 points now \(registry docker\.io: connection refused\): revoking the digests approved under the tag only\n/),
    });
    expect(await run(registry, ['revoke', 'nginx:1.25'])).toMatchObject({
      status: 1,
      stdout: '',
      stderr: expect.stringMatching(/error: no unrevoked approval of docker\.io\/library\/nginx:1\.25 to revoke \(none recorded under the tag\)\n$/),
    });
  });

  it('does not ask the registry for a digest reference', async () => {
    const registry = fakeRegistry({});
    await run(registry, ['approve', `nginx@${DA}`, '--offline']);
    expect((await run(registry, ['revoke', `nginx:1.25@${DA}`])).status).toBe(0);
    expect(registry.asked).toEqual([]);
  });
});
