import path from 'node:path';
import Database from 'better-sqlite3';
import { useCliStore } from '../helpers/use-cli-store';

// Issue 10 item 4, SPEC §6: every operator change is in a hash-chained change log, and the current approvals,
// exceptions, grants and scans must equal what it says. Each attack edits the SQLite file directly, as an operator
// with write access to it could; `audit verify` must fail (exit 1) with one line naming each problem.

const store = useCliStore('change-log-tamper-');
const { cli } = store;

const APP = 'registry.corp.example/app';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const TRIVY_ALPINE = path.resolve(__dirname, '../fixtures/trivy/docs-alpine-latest.json');

/** Runs SQL on the store file as a hand-run sqlite3 would (no image-reviewer code involved). */
function tamper(sql: string): void {
  const db = new Database(store.dbPath);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

async function seed(): Promise<void> {
  for (const args of [
    ['approve', `${APP}:2.0.0@${D1}`, '--offline', '--by', 'alice', '--reason', 'release', '--expires', '2030-01-01'],
    ['revoke', `${APP}@${D1}`, '--by', 'bob', '--reason', 'CVE-2026-1'],
    ['approve', `${APP}@${D2}`, '--offline', '--by', 'alice'],
    ['exception', 'add', 'CVE-2024-1234', '--expires', '2030-06-01', '--reason', 'no fix yet', '--by', 'carol'],
    ['break-glass', 'grant', '--namespace', 'prod', '--ticket', 'INC-1', '--expires', '4h', '--by', 'dave'],
    ['scan', 'import', TRIVY_ALPINE, '--by', 'erin'],
  ]) {
    const result = await cli(...args);
    if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
  }
}

async function verifyFails(): Promise<string[]> {
  const result = await cli('audit', 'verify');
  expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 1, stdout: '' });
  // One `error:` line per problem (SPEC §7); returned without the prefix.
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines.filter((line) => !line.startsWith('error: '))).toEqual([]);
  return lines.map((line) => line.slice('error: '.length));
}

beforeEach(seed);

it('passes an untouched store, counting the chained changes', async () => {
  expect(await cli('audit', 'verify')).toEqual({
    status: 0,
    stdout: 'audit chain ok: 0 decisions, 6 changes (approvals, exceptions, grants and scans match the change log)\n',
    stderr: '',
  });
});

it('catches a revoked digest silently approved again by an edit of approvals, naming the row', async () => {
  tamper('UPDATE approvals SET revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL WHERE id = 1');
  const [revocation] = store.query('SELECT time FROM change_log WHERE id = 2') as { time: number }[];
  expect(await verifyFails()).toEqual([
    `approvals row 1 (${APP}@${D1}) differs from the change log: revoked_at is null where the change log says ${new Date(revocation?.time ?? 0).toISOString()} (change 2); revoked_by is null where the change log says "bob" (change 2); revoke_reason is null where the change log says "CVE-2026-1" (change 2)`,
  ]);
});

it('catches an approval added, or its expiry removed, outside image-reviewer', async () => {
  tamper(`INSERT INTO approvals (repository, digest, approved_by, approved_at) VALUES ('${APP}', 'sha256:${'3'.repeat(64)}', 'mallory', 0);
          UPDATE approvals SET expires_at = NULL WHERE id = 1`);
  expect(await verifyFails()).toEqual([
    `approvals row 1 (${APP}@${D1}) differs from the change log: expires_at is null where the change log says 2030-01-01T00:00:00.000Z (change 1)`,
    'approvals row 3 is not in the change log (added outside image-reviewer)',
  ]);
});

it('names every one of 200,000 approvals added outside image-reviewer (more problems than a spread call can take)', async () => {
  tamper(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
          INSERT INTO approvals (repository, digest, approved_by, approved_at) SELECT '${APP}', printf('sha256:%064d', i), 'mallory', 0 FROM n`);
  const problems = await verifyFails();
  expect(problems).toHaveLength(200_000);
  expect(problems[0]).toBe('approvals row 3 is not in the change log (added outside image-reviewer)');
  expect(problems[199_999]).toBe('approvals row 200002 is not in the change log (added outside image-reviewer)');
});

it('catches edited exceptions, grants and scan findings', async () => {
  tamper(`UPDATE cve_exceptions SET expires_at = 4102444800000;
          DELETE FROM break_glass_grants;
          UPDATE findings SET severity = 'UNKNOWN'`);
  const lines = await verifyFails();
  expect(lines).toEqual([
    'cve_exceptions row 1 (CVE-2024-1234) differs from the change log: expires_at is 2100-01-01T00:00:00.000Z where the change log says 2030-06-01T00:00:00.000Z (change 4)',
    'break_glass_grants row 1 (namespace prod, ticket INC-1) is missing (deleted): the change log records it',
    expect.stringMatching(/^scans row 1 \(report sha256 [0-9a-f]{12}…\) differs from the change log: finding_counts is "\[0,0,0,0,2\]" where the change log says "\[0,0,0,2,0\]" \(change 6\)$/),
  ]);
});

it('catches an edited change-log entry', async () => {
  tamper("DROP TRIGGER change_log_never_rewritten; UPDATE change_log SET actor = 'mallory' WHERE id = 3");
  expect((await verifyFails())[0]).toBe('change log broken at change 3: its hash does not match its contents (the entry was edited)');
});

it('catches deleted change-log entries, and then refuses to record changes on that log', async () => {
  tamper('DROP TRIGGER change_log_never_deleted; DELETE FROM change_log WHERE id >= 5');
  const lines = await verifyFails();
  expect(lines[0]).toBe('change log broken at change 5: changes 5–6 are missing (deleted) (the change log head records change 6)');
  expect(await cli('approve', `${APP}@${D1}`, '--offline')).toEqual({
    status: 1,
    stdout: '',
    stderr: 'error: the change log head does not name its newest entry (entries deleted or edited): refusing to record changes until an operator checks the store (audit verify)\n',
  });
});
