import { changeLogRows } from '../helpers/store-query';
import { useCliStore } from '../helpers/use-cli-store';

// `exception add|list|remove` as users run them (runCli in-process) against a real store (SPEC §7).

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const store = useCliStore('cli-exception-');
const { cli, query } = store;

const exceptions = (): unknown[] =>
  query('SELECT id, vuln_id, repository, expires_at, reason, created_by, removed_by FROM cve_exceptions ORDER BY id');
const changes = (): unknown[] => changeLogRows(store.dbPath);

describe('exception add', () => {
  it('adds an exception for a repository glob, prints its id and logs the change', async () => {
    expect(
      await cli('exception', 'add', 'CVE-2024-1234', '--repository', 'docker.io/library/*', '--expires', '2030-06-01', '--reason', 'no fix yet', '--by', 'alice'),
    ).toEqual({
      status: 0,
      stdout: 'added exception 1: CVE-2024-1234 for docker.io/library/*, expires 2030-06-01T00:00:00.000Z\n',
      stderr: '',
    });
    const expiresAt = Date.UTC(2030, 5, 1);
    expect(exceptions()).toEqual([
      { id: 1, vuln_id: 'CVE-2024-1234', repository: 'docker.io/library/*', expires_at: expiresAt, reason: 'no fix yet', created_by: 'alice', removed_by: null },
    ]);
    expect(changes()).toEqual([
      {
        actor: 'alice',
        action: 'exception-add',
        subject: 'exception:1',
        details: JSON.stringify({ vulnerabilityId: 'CVE-2024-1234', repository: 'docker.io/library/*', expiresAt, reason: 'no fix yet' }),
      },
    ]);
  });

  it('applies to every repository without --repository and accepts a relative expiry', async () => {
    const result = await cli('exception', 'add', 'GHSA-jfh8-c2jp-5v3q', '--expires', '30d', '--reason', 'not reachable');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^added exception 1: GHSA-jfh8-c2jp-5v3q for every repository, expires \S+Z\n$/);
    expect(query('SELECT repository, created_by FROM cve_exceptions')).toEqual([{ repository: null, created_by: 'tester' }]);
  });

  it.each([
    ['a missing --expires', ['CVE-1', '--reason', 'r'], /^error: required option '--expires <when>' not specified/],
    ['a missing --reason', ['CVE-1', '--expires', '1d'], /^error: required option '--reason <text>' not specified/],
    ['an empty --reason', ['CVE-1', '--expires', '1d', '--reason', ' '], /^error: --reason must not be empty\n$/],
    ['an invalid --expires', ['CVE-1', '--expires', 'later', '--reason', 'r'], /^error: --expires: invalid time "later"/],
    ['an --expires in the past', ['CVE-1', '--expires', '2001-01-01', '--reason', 'r'], /^error: --expires: expiry "2001-01-01" is not in the future\n$/],
    ['a vulnerability ID with spaces', ['CVE 1', '--expires', '1d', '--reason', 'r'], /^error: invalid vulnerability ID "CVE 1": expected 1–128 characters without spaces/],
    ['an empty vulnerability ID', ['', '--expires', '1d', '--reason', 'r'], /^error: invalid vulnerability ID "": /],
    ['a vulnerability ID over 128 characters', ['X'.repeat(129), '--expires', '1d', '--reason', 'r'], /^error: invalid vulnerability ID "X{40}": /],
    ['an empty --repository', ['CVE-1', '--repository', '', '--expires', '1d', '--reason', 'r'], /^error: --repository must not be empty\n$/],
    ['no vulnerability ID', ['--expires', '1d', '--reason', 'r'], /^error: missing required argument 'vuln-id'/],
  ])('exits 2 on %s, storing nothing', async (_name, args, stderr) => {
    const result = await cli('exception', 'add', ...args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(stderr);
    expect(exceptions()).toEqual([]);
    expect(changes()).toEqual([]);
  });
});

describe('exception list', () => {
  beforeEach(async () => {
    await cli('exception', 'add', 'CVE-1', '--expires', '2030-01-01', '--reason', 'one', '--by', 'alice');
    await cli('exception', 'add', 'CVE-2', '--repository', 'corp.example/*', '--expires', '2031-01-01', '--reason', 'two');
    await cli('exception', 'remove', '1', '--by', 'bob');
  });

  it('lists active exceptions as JSON', async () => {
    const result = await cli('exception', 'list', '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      {
        id: 2,
        vulnerabilityId: 'CVE-2',
        repository: 'corp.example/*',
        expiresAt: '2031-01-01T00:00:00.000Z',
        reason: 'two',
        createdBy: 'tester',
        createdAt: expect.stringMatching(ISO),
        removedAt: null,
        removedBy: null,
        status: 'active',
      },
    ]);
  });

  it('includes removed ones with --all', async () => {
    const listed = JSON.parse((await cli('exception', 'list', '--all', '--json')).stdout) as { id: number; status: string; removedBy: string | null }[];
    expect(listed.map((e) => [e.id, e.status, e.removedBy])).toEqual([
      [1, 'removed', 'bob'],
      [2, 'active', null],
    ]);
  });

  it('prints CSV with --csv, a reason a spreadsheet would run as a formula neutralised', async () => {
    await cli('exception', 'add', 'CVE-3', '--expires', '2032-01-01', '--reason', '=HYPERLINK("http://x","y")', '--by', '@carol');
    const result = await cli('exception', 'list', '--csv');
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const lines = result.stdout.split('\r\n');
    expect(lines[0]).toBe('id,vulnerabilityId,repository,status,expiresAt,reason,createdBy,createdAt,removedAt,removedBy');
    expect(lines[1]).toMatch(/^2,CVE-2,corp\.example\/\*,active,2031-01-01T00:00:00\.000Z,two,tester,\S+Z,,$/);
    expect(lines[2]).toMatch(/^3,CVE-3,,active,2032-01-01T00:00:00\.000Z,"'=HYPERLINK\(""http:\/\/x"",""y""\)",'@carol,\S+Z,,\n$/);
    expect(lines).toHaveLength(3);
  });

  it('refuses --json with --csv (exit 2)', async () => {
    expect(await cli('exception', 'list', '--json', '--csv')).toEqual({ status: 2, stdout: '', stderr: 'error: --json and --csv cannot be combined\n' });
  });

  it('prints a table by default', async () => {
    const lines = (await cli('exception', 'list', '--all')).stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+VULNERABILITY\s+REPOSITORY\s+STATUS\s+EXPIRES\s+BY\s+REASON$/);
    expect(lines[1]).toMatch(/^1\s+CVE-1\s+\*\s+removed\s+2030-01-01T00:00:00\.000Z\s+alice\s+one$/);
    expect(lines[2]).toMatch(/^2\s+CVE-2\s+corp\.example\/\*\s+active\s+2031-01-01T00:00:00\.000Z\s+tester\s+two$/);
  });
});

describe('exception remove', () => {
  beforeEach(async () => {
    await cli('exception', 'add', 'CVE-1', '--expires', '2030-01-01', '--reason', 'one');
  });

  it('marks the exception removed and logs the change', async () => {
    expect(await cli('exception', 'remove', '1', '--by', 'bob')).toEqual({
      status: 0,
      stdout: 'removed exception 1: CVE-1 for every repository\n',
      stderr: '',
    });
    expect(query('SELECT removed_by FROM cve_exceptions')).toEqual([{ removed_by: 'bob' }]);
    expect(changes()[1]).toEqual({
      actor: 'bob',
      action: 'exception-remove',
      subject: 'exception:1',
      details: JSON.stringify({ vulnerabilityId: 'CVE-1', repository: null, reason: null }),
    });
  });

  it('records the reason given with --reason in the change log', async () => {
    expect(await cli('exception', 'remove', '1', '--reason', 'fixed in 1.2.3', '--by', 'bob')).toEqual({
      status: 0,
      stdout: 'removed exception 1: CVE-1 for every repository\n',
      stderr: '',
    });
    expect(changes()[1]).toEqual({
      actor: 'bob',
      action: 'exception-remove',
      subject: 'exception:1',
      details: JSON.stringify({ vulnerabilityId: 'CVE-1', repository: null, reason: 'fixed in 1.2.3' }),
    });
  });

  it.each([
    ['an empty --reason', ['1', '--reason', ' '], 2, 'error: --reason must not be empty\n'],
    ['an unknown id', ['7'], 1, 'error: no exception 7\n'],
    ['a non-numeric id', ['CVE-1'], 2, 'error: invalid exception id "CVE-1": expected a positive integer\n'],
    ['id 0', ['0'], 2, 'error: invalid exception id "0": expected a positive integer\n'],
  ])('fails on %s, changing nothing', async (_name, args, status, stderr) => {
    const before = { exceptions: exceptions(), changes: changes() };
    expect(await cli('exception', 'remove', ...args)).toEqual({ status, stdout: '', stderr });
    expect({ exceptions: exceptions(), changes: changes() }).toEqual(before);
  });

  it('exits 1 when the exception is already removed', async () => {
    await cli('exception', 'remove', '1', '--by', 'bob');
    const before = changes();
    expect(await cli('exception', 'remove', '1')).toEqual({ status: 1, stdout: '', stderr: 'error: exception 1 was already removed by bob\n' });
    expect(changes()).toEqual(before);
  });
});
