import { runCliProcess } from '../helpers/run-cli';
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
