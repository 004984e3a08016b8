import { changeLogRows } from '../helpers/store-query';
import { useCliStore } from '../helpers/use-cli-store';

// `break-glass grant|list|revoke` as users run them (runCli in-process) against a real store (SPEC §7).

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HOUR = 3_600_000;

const store = useCliStore('cli-break-glass-');
const { cli, query } = store;

const grants = (): unknown[] => query('SELECT * FROM break_glass_grants ORDER BY id');
const changes = (): unknown[] => changeLogRows(store.dbPath);

describe('break-glass grant', () => {
  it('grants a namespace glob and ticket for a duration and logs the change', async () => {
    const before = Date.now();
    const result = await cli('break-glass', 'grant', '--namespace', 'prod-*', '--ticket', 'INC-42', '--expires', '4h', '--by', 'alice', '--reason', 'outage');
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^granted break-glass 1: namespace prod-\*, ticket INC-42, expires \S+Z\n$/);
    const [row] = query('SELECT namespace, ticket, expires_at, granted_by, reason, revoked_at FROM break_glass_grants') as {
      expires_at: number;
    }[];
    expect(row).toEqual({ namespace: 'prod-*', ticket: 'INC-42', expires_at: expect.any(Number), granted_by: 'alice', reason: 'outage', revoked_at: null });
    expect(row?.expires_at).toBeGreaterThanOrEqual(before + 4 * HOUR);
    expect(row?.expires_at).toBeLessThanOrEqual(Date.now() + 4 * HOUR);
    expect(changes()).toEqual([
      {
        actor: 'alice',
        action: 'break-glass-grant',
        subject: 'break-glass-grant:1',
        details: JSON.stringify({ namespace: 'prod-*', ticket: 'INC-42', expiresAt: row?.expires_at, reason: 'outage' }),
      },
    ]);
  });

  it.each([
    ['a missing --namespace', ['--ticket', 'T', '--expires', '1h'], /^error: required option '--namespace <glob>' not specified/],
    ['a missing --ticket', ['--namespace', 'prod', '--expires', '1h'], /^error: required option '--ticket <ticket>' not specified/],
    ['a missing --expires', ['--namespace', 'prod', '--ticket', 'T'], /^error: required option '--expires <when>' not specified/],
    ['an empty --ticket', ['--namespace', 'prod', '--ticket', '', '--expires', '1h'], /^error: --ticket must not be empty\n$/],
    ['a --ticket with a space', ['--namespace', 'prod', '--ticket', 'bad ticket', '--expires', '1h'],
      /^error: --ticket "bad ticket" is not a valid ticket \(at most 128 printable characters without spaces\), as a pod could never name it\n$/],
    ['a --ticket over 128 characters', ['--namespace', 'prod', '--ticket', 'T'.repeat(129), '--expires', '1h'],
      /^error: --ticket "T{40}" is not a valid ticket \(at most 128 printable characters without spaces\)/],
    ['an empty --namespace', ['--namespace', '', '--ticket', 'T', '--expires', '1h'], /^error: --namespace must not be empty\n$/],
    ['an invalid --expires', ['--namespace', 'prod', '--ticket', 'T', '--expires', '4 hours'], /^error: --expires: invalid time "4 hours"/],
  ])('exits 2 on %s, storing nothing', async (_name, args, stderr) => {
    const result = await cli('break-glass', 'grant', ...args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(stderr);
    expect(grants()).toEqual([]);
    expect(changes()).toEqual([]);
  });
});

describe('break-glass list', () => {
  beforeEach(async () => {
    await cli('break-glass', 'grant', '--namespace', 'prod', '--ticket', 'INC-1', '--expires', '2030-01-01T00:00:00Z', '--by', 'alice');
    await cli('break-glass', 'grant', '--namespace', 'dev-*', '--ticket', 'INC-2', '--expires', '2030-01-01T00:00:00Z', '--reason', 'demo');
    await cli('break-glass', 'revoke', '1', '--by', 'bob');
  });

  it('lists active grants as JSON', async () => {
    expect(JSON.parse((await cli('break-glass', 'list', '--json')).stdout)).toEqual([
      {
        id: 2,
        namespace: 'dev-*',
        ticket: 'INC-2',
        expiresAt: '2030-01-01T00:00:00.000Z',
        grantedBy: 'tester',
        grantedAt: expect.stringMatching(ISO),
        reason: 'demo',
        revokedAt: null,
        revokedBy: null,
        status: 'active',
      },
    ]);
  });

  it('includes revoked grants with --all, and prints a table by default', async () => {
    const listed = JSON.parse((await cli('break-glass', 'list', '--all', '--json')).stdout) as { id: number; status: string }[];
    expect(listed.map((g) => [g.id, g.status])).toEqual([
      [1, 'revoked'],
      [2, 'active'],
    ]);
    const lines = (await cli('break-glass', 'list', '--all')).stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAMESPACE\s+TICKET\s+STATUS\s+EXPIRES\s+BY\s+REASON$/);
    expect(lines[1]).toMatch(/^1\s+prod\s+INC-1\s+revoked\s+2030-01-01T00:00:00\.000Z\s+alice\s+-$/);
    expect(lines[2]).toMatch(/^2\s+dev-\*\s+INC-2\s+active\s+2030-01-01T00:00:00\.000Z\s+tester\s+demo$/);
  });

  it('prints CSV with --csv, a ticket a spreadsheet would run as a formula neutralised', async () => {
    await cli('break-glass', 'grant', '--namespace', 'web', '--ticket', '=HYPERLINK("http://x","y")', '--expires', '2030-01-01T00:00:00Z', '--reason', '+1 from -ops');
    const result = await cli('break-glass', 'list', '--all', '--csv');
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const lines = result.stdout.replace(/\n$/, '').split('\r\n');
    expect(lines[0]).toBe('id,namespace,ticket,status,expiresAt,grantedBy,grantedAt,reason,revokedAt,revokedBy');
    expect(lines[1]).toMatch(/^1,prod,INC-1,revoked,2030-01-01T00:00:00\.000Z,alice,\S+Z,,\S+Z,bob$/);
    expect(lines[3]).toMatch(/^3,web,"'=HYPERLINK\(""http:\/\/x"",""y""\)",active,2030-01-01T00:00:00\.000Z,tester,\S+Z,'\+1 from -ops,,$/);
    expect(lines).toHaveLength(4);
  });
});

describe('break-glass revoke', () => {
  beforeEach(async () => {
    await cli('break-glass', 'grant', '--namespace', 'prod', '--ticket', 'INC-1', '--expires', '1h');
  });

  it('revokes the grant and logs the change', async () => {
    expect(await cli('break-glass', 'revoke', '1', '--by', 'bob')).toEqual({
      status: 0,
      stdout: 'revoked break-glass 1: namespace prod, ticket INC-1\n',
      stderr: '',
    });
    expect(query('SELECT revoked_by FROM break_glass_grants')).toEqual([{ revoked_by: 'bob' }]);
    expect(changes()[1]).toEqual({
      actor: 'bob',
      action: 'break-glass-revoke',
      subject: 'break-glass-grant:1',
      details: JSON.stringify({ namespace: 'prod', ticket: 'INC-1' }),
    });
  });

  it.each([
    ['an unknown id', ['9'], 1, 'error: no break-glass grant 9\n'],
    ['a non-numeric id', ['INC-1'], 2, 'error: invalid break-glass grant id "INC-1": expected a positive integer\n'],
  ])('fails on %s, changing nothing', async (_name, args, status, stderr) => {
    const before = { grants: grants(), changes: changes() };
    expect(await cli('break-glass', 'revoke', ...args)).toEqual({ status, stdout: '', stderr });
    expect({ grants: grants(), changes: changes() }).toEqual(before);
  });

  it('exits 1 when the grant is already revoked', async () => {
    await cli('break-glass', 'revoke', '1', '--by', 'bob');
    expect(await cli('break-glass', 'revoke', '1')).toEqual({ status: 1, stdout: '', stderr: 'error: break-glass grant 1 was already revoked by bob\n' });
  });
});
