import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInlineAuditWriter } from '../../src/store/audit-inline-committer';
import { openStore } from '../../src/store/open-database';
import { decisionRecord } from '../helpers/decision-record';
import { runCliProcess } from '../helpers/run-cli';
import { CLI } from '../helpers/serve-process';
import { changeLogRows } from '../helpers/store-query';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

// The built CLI as a user runs it (`node dist/cli.js`): the other CLI suites run `runCli` in-process, these few
// check that the artifact starts, parses, writes the store and maps exit codes the same way.

const DA = `sha256:${'a'.repeat(64)}`;

let dir: TempDir;
beforeEach(() => {
  dir = makeTempDir('built-cli-');
});
afterEach(() => dir.cleanup());

it('prints help on --help and exits 0', () => {
  const result = runCliProcess(dir.file('store.db'), ['--help']);
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/^Usage: image-reviewer \[options\] \[command\]\n/);
  expect(result.stdout).toMatch(/\n {2}approve /);
  expect(result.stderr).toBe('');
});

it('exits 2 with one error line on a usage error', () => {
  const result = runCliProcess(dir.file('store.db'), ['approve']);
  expect(result.status).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toBe('error: approve needs exactly one of REF or --file LIST\n');
});

it('approves an image, lists it and verifies the audit trail of the store it wrote', () => {
  const db = dir.file('store.db');
  const approve = runCliProcess(db, ['approve', `nginx@${DA}`, '--offline', '--reason', 'smoke']);
  expect(approve).toMatchObject({ status: 0, stdout: `approved docker.io/library/nginx@${DA} (no expiry)\n` });
  const list = runCliProcess(db, ['approvals', '--json']);
  expect(list.status).toBe(0);
  expect(JSON.parse(list.stdout)).toEqual([
    expect.objectContaining({ repository: 'docker.io/library/nginx', digest: DA, approvedBy: 'tester', reason: 'smoke' }),
  ]);
  expect(changeLogRows(db)).toEqual([expect.objectContaining({ actor: 'tester', action: 'approve' })]);
  const verify = runCliProcess(db, ['audit', 'verify']);
  expect(verify).toMatchObject({ status: 0, stderr: '' });
});

it('prints the version of the package it runs from, read at run time', () => {
  const root = path.resolve(__dirname, '../..');
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  expect(runCliProcess(dir.file('store.db'), ['--version'])).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  // As installed: dist/ beside a package.json of another version (node_modules/image-reviewer/), no rebuild.
  const installed = dir.file('node_modules', 'image-reviewer');
  fs.mkdirSync(installed, { recursive: true });
  fs.cpSync(path.join(root, 'dist'), path.join(installed, 'dist'), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(installed, 'node_modules'));
  fs.writeFileSync(path.join(installed, 'package.json'), JSON.stringify({ name: 'image-reviewer', version: '9.8.7-rc.1' }));
  const result = spawnSyncNode([path.join(installed, 'dist', 'cli.js'), '-V']);
  expect(result).toEqual({ status: 0, stdout: '9.8.7-rc.1\n', stderr: '' });
});

it('exits quietly, with its own exit code, when the reader of its output goes away (| head)', async () => {
  const db = dir.file('store.db');
  const store = openStore(db, { migrate: 'apply' });
  try {
    const writer = createInlineAuditWriter(store);
    const image = `registry.corp.example/${'team/'.repeat(30)}app@sha256:${'a'.repeat(64)}`;
    // Far more than a pipe buffers (64 KiB): the CLI is still writing when the reader closes.
    await Promise.all(Array.from({ length: 1500 }, (_, i) =>
      writer.append(decisionRecord({ time: Date.now() - i, images: [{ image, repository: null, digest: null, allowed: true, reasons: [] }] }))));
    await writer.close();
  } finally {
    store.close();
  }
  for (const format of ['--csv', '--json']) {
    const child = spawn(process.execPath, [CLI, '--db', db, 'audit', '--limit', '1500', format], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // `head -c 1`: read one chunk, then close the pipe.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
    expect({ format, code, stderr }).toEqual({ format, code: 0, stderr: '' });
  }
});

function spawnSyncNode(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
