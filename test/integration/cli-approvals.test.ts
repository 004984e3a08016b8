import fs from 'node:fs';
import { createInlineAuditWriter } from '../../src/store/audit-inline-committer';
import { openStore } from '../../src/store/open-database';
import { decisionRecord } from '../helpers/decision-record';
import { runCli } from '../helpers/run-cli';
import { changeLogRows } from '../helpers/store-query';
import { useCliStore } from '../helpers/use-cli-store';

// `approve`, `revoke` and `approvals` as users run them (runCli in-process) against a real store (SPEC §7).

const DA = `sha256:${'a'.repeat(64)}`;
const DB = `sha256:${'b'.repeat(64)}`;
const NGINX = 'docker.io/library/nginx';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CACHE_WARNING =
  'warning: the API server caches allowed answers for allowTTL (default 300 s): pod specs it has already admitted with this image are still allowed until their cached answer expires\n';

const store = useCliStore('cli-approvals-');
const { cli, query } = store;

const approvals = (): unknown[] =>
  query('SELECT repository, digest, tag, approved_by, reason, expires_at, revoked_by, revoke_reason FROM approvals ORDER BY id');
const changes = (): unknown[] => changeLogRows(store.dbPath);

describe('approve REF', () => {
  it('approves a digest offline, with reason, actor and expiry, and logs the change', async () => {
    const result = await cli('approve', `nginx@${DA}`, '--offline', '--reason', 'vetted', '--by', 'alice', '--expires', '2030-01-01');
    expect(result).toEqual({
      status: 0,
      stdout: `approved ${NGINX}@${DA} (expires 2030-01-01T00:00:00.000Z)\n`,
      stderr: '',
    });
    const expiresAt = Date.UTC(2030, 0, 1);
    expect(approvals()).toEqual([
      { repository: NGINX, digest: DA, tag: null, approved_by: 'alice', reason: 'vetted', expires_at: expiresAt, revoked_by: null, revoke_reason: null },
    ]);
    expect(changes()).toEqual([
      {
        actor: 'alice',
        action: 'approve',
        subject: `${NGINX}@${DA}`,
        details: JSON.stringify({ approvalId: 1, tag: null, reason: 'vetted', expiresAt, imageCreatedAt: null }),
      },
    ]);
  });

  it('records the tag of name:tag@digest and takes the actor from IMAGE_REVIEWER_ACTOR', async () => {
    expect(await cli('approve', `nginx:1.25@${DA}`, '--offline')).toEqual({
      status: 0,
      stdout: `approved ${NGINX}@${DA} (tag 1.25, no expiry)\n`,
      stderr: '',
    });
    expect(approvals()).toEqual([
      { repository: NGINX, digest: DA, tag: '1.25', approved_by: 'tester', reason: null, expires_at: null, revoked_by: null, revoke_reason: null },
    ]);
  });

  it('stores the host in lower case, as every reference is normalised', async () => {
    expect(await cli('approve', `REGISTRY.CORP.EXAMPLE/x:1.0@${DA}`, '--offline')).toEqual({
      status: 0,
      stdout: `approved registry.corp.example/x@${DA} (tag 1.0, no expiry)\n`,
      stderr: '',
    });
    expect((approvals() as { repository: string }[]).map((row) => row.repository)).toEqual(['registry.corp.example/x']);
  });

  it('accepts a relative expiry', async () => {
    const before = Date.now();
    expect((await cli('approve', `nginx@${DA}`, '--offline', '--expires', '7d')).status).toBe(0);
    const [row] = query('SELECT expires_at FROM approvals') as { expires_at: number }[];
    expect(row?.expires_at).toBeGreaterThanOrEqual(before + 7 * 86_400_000);
    expect(row?.expires_at).toBeLessThan(Date.now() + 7 * 86_400_000 + 1);
  });

  it.each([
    ['an unparseable reference', ['approve', 'NGINX!!', '--offline'], /^error: invalid image reference "NGINX!!": .+\n/],
    [
      '--registry-password-stdin without --registry-username (checked before any registry is asked)',
      ['approve', `nginx@${DA}`, '--registry-password-stdin'],
      /^error: --registry-password-stdin needs --registry-username\n$/,
    ],
    [
      'a tag-only reference with --offline',
      ['approve', 'nginx:1.25', '--offline'],
      /^error: cannot approve nginx:1\.25: --offline needs a digest reference \(repo@sha256:…\)\n$/,
    ],
    ['an invalid --expires', ['approve', `nginx@${DA}`, '--offline', '--expires', 'soon'], /^error: --expires: invalid time "soon": expected .+\n$/],
    ['an --expires in the past', ['approve', `nginx@${DA}`, '--offline', '--expires', '2020-01-01'], /^error: --expires: expiry "2020-01-01" is not in the future\n$/],
    ['neither REF nor --file', ['approve', '--offline'], /^error: approve needs exactly one of REF or --file LIST\n$/],
    ['both REF and --file', ['approve', `nginx@${DA}`, '--file', 'list.txt', '--offline'], /^error: approve needs exactly one of REF or --file LIST\n$/],
    ['an unknown flag', ['approve', `nginx@${DA}`, '--offline', '--forever'], /^error: unknown option '--forever'\n$/],
  ])('exits 2 on %s, storing nothing', async (_name, args, stderr) => {
    const result = await cli(...args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(stderr);
    expect(approvals()).toEqual([]);
    expect(changes()).toEqual([]);
  });

  it('leaves existing approvals unchanged after a failed approve', async () => {
    await cli('approve', `nginx@${DA}`, '--offline');
    const before = { approvals: approvals(), changes: changes() };
    expect((await cli('approve', `nginx@${DB}`, '--offline', '--expires', 'yesterday')).status).toBe(2);
    expect({ approvals: approvals(), changes: changes() }).toEqual(before);
  });
});

describe('approve --file LIST', () => {
  it('approves every line, skipping comments and blank lines', async () => {
    const list = store.dir.file('list.txt');
    fs.writeFileSync(list, `# approved for release 42\n\nnginx@${DA}\n  redis:7@${DB}   # cache\n`);
    expect(await cli('approve', '--file', list, '--offline', '--by', 'alice')).toEqual({
      status: 0,
      stdout: `approved ${NGINX}@${DA} (no expiry)\napproved docker.io/library/redis@${DB} (tag 7, no expiry)\n`,
      stderr: 'approved 2, failed 0\n',
    });
    expect(query('SELECT repository, approved_by FROM approvals ORDER BY id')).toEqual([
      { repository: NGINX, approved_by: 'alice' },
      { repository: 'docker.io/library/redis', approved_by: 'alice' },
    ]);
    expect(changes()).toHaveLength(2);
  });

  it('keeps the good lines when one fails, names the failing line and exits 1 (no progress bar off a TTY)', async () => {
    const list = store.dir.file('list.txt');
    fs.writeFileSync(list, `nginx@${DA}\nnginx:latest\nBAD REF\nredis@${DB}\n`);
    const result = await cli('approve', '--file', list, '--offline');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(`approved ${NGINX}@${DA} (no expiry)\napproved docker.io/library/redis@${DB} (no expiry)\n`);
    const lines = result.stderr.split('\n');
    expect(lines[0]).toBe('line 2: nginx:latest: cannot approve nginx:latest: --offline needs a digest reference (repo@sha256:…)');
    expect(lines[1]).toMatch(/^line 3: BAD REF: invalid image reference "BAD REF": /);
    expect(lines.slice(2)).toEqual(['approved 2, failed 2', '']);
    expect(result.stderr).not.toContain('\r');
    expect(query('SELECT digest FROM approvals ORDER BY id')).toEqual([{ digest: DA }, { digest: DB }]);
  });

  it('reads the list from stdin for --file -', async () => {
    const result = await runCli(store.dbPath, ['approve', '--file', '-', '--offline'], {}, `nginx@${DA}\n# comment\nredis@${DB}\n`);
    expect(result).toEqual({
      status: 0,
      stdout: `approved ${NGINX}@${DA} (no expiry)\napproved docker.io/library/redis@${DB} (no expiry)\n`,
      stderr: 'approved 2, failed 0\n',
    });
    expect(query('SELECT digest FROM approvals ORDER BY id')).toEqual([{ digest: DA }, { digest: DB }]);
  });

  it('refuses --file - with --registry-password-stdin (both read stdin), before reading either', async () => {
    const result = await runCli(store.dbPath, ['approve', '--file', '-', '--registry-username', 'u', '--registry-password-stdin'], {}, `nginx@${DA}\n`);
    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: 'error: --file - and --registry-password-stdin both read stdin: put one of them in a file\n',
    });
    expect(approvals()).toEqual([]);
  });

  it('exits 1 when the list cannot be read, storing nothing', async () => {
    const result = await cli('approve', '--file', store.dir.file('missing.txt'), '--offline');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot read .*missing\.txt: ENOENT/);
    expect(approvals()).toEqual([]);
  });

  it('exits 2 before reading the list when a registry flag is invalid and --offline is not given', async () => {
    const list = store.dir.file('list.txt');
    fs.writeFileSync(list, `nginx@${DA}\n`);
    const result = await cli('approve', '--file', list, '--insecure-registry', 'http://lab.internal');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('error: insecure registry must be HOST or HOST:PORT, got "http://lab.internal"\n');
    expect(approvals()).toEqual([]);
  });
});

describe('revoke', () => {
  it('revokes the current approval, records who and why, and warns about the API server cache', async () => {
    await cli('approve', `nginx:1.25@${DA}`, '--offline');
    expect(await cli('revoke', `nginx@${DA}`, '--reason', 'CVE-2024-1', '--by', 'bob')).toEqual({
      status: 0,
      stdout: `revoked ${NGINX}@${DA}\n`,
      stderr: CACHE_WARNING,
    });
    expect(approvals()).toEqual([
      { repository: NGINX, digest: DA, tag: '1.25', approved_by: 'tester', reason: null, expires_at: null, revoked_by: 'bob', revoke_reason: 'CVE-2024-1' },
    ]);
    expect(changes()[1]).toEqual({
      actor: 'bob',
      action: 'revoke',
      subject: `${NGINX}@${DA}`,
      details: JSON.stringify({ approvalId: 1, reason: 'CVE-2024-1' }),
    });
  });

  it('names the namespaces admitted with the digest in the last 24 h', async () => {
    await cli('approve', `nginx@${DA}`, '--offline');
    await recordAdmissions([
      [Date.now() - 3_600_000, 'prod', `nginx@${DA}`],
      [Date.now() - 60_000, 'payments', `docker.io/library/nginx:1.25@${DA}`],
      [Date.now() - 2 * 86_400_000, 'long-ago', `nginx@${DA}`],
    ]);
    const result = await cli('revoke', `nginx:1.25@${DA}`);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(
      CACHE_WARNING +
        'warning: admitted in the last 24 h in namespaces payments, prod: updates of their running pods using this digest (labels, finalizer removal) will be denied until the pods are replaced\n',
    );
  });

  it('re-approving a revoked digest makes it active again', async () => {
    await cli('approve', `nginx@${DA}`, '--offline');
    await cli('revoke', `nginx@${DA}`);
    expect((await cli('approve', `nginx@${DA}`, '--offline')).status).toBe(0);
    expect(JSON.parse((await cli('approvals', '--json')).stdout)).toEqual([expect.objectContaining({ digest: DA, status: 'active' })]);
    expect(query('SELECT count(*) AS n FROM approvals')).toEqual([{ n: 2 }]);
  });

  it.each([
    ['never approved', [], `error: no approval of ${NGINX}@${DA} to revoke\n`],
    ['already revoked', [['approve', `nginx@${DA}`, '--offline'], ['revoke', `nginx@${DA}`]], `error: no unrevoked approval of ${NGINX}@${DA} to revoke\n`],
  ])('exits 1 when the digest is %s, changing nothing', async (_name, setup, stderr) => {
    for (const args of setup) await cli(...args);
    const before = { approvals: approvals(), changes: changes() };
    expect(await cli('revoke', `nginx@${DA}`)).toEqual({ status: 1, stdout: '', stderr });
    expect({ approvals: approvals(), changes: changes() }).toEqual(before);
  });

  it.each([
    ['a tag-only reference with an invalid registry flag', ['nginx:1.25', '--insecure-registry', 'http://lab.internal'], /^error: insecure registry must be HOST or HOST:PORT/],
    ['an unparseable reference', ['nginx@sha256:xyz'], /^error: invalid image reference "nginx@sha256:xyz": /],
  ])('exits 2 on %s', async (_name, args, stderr) => {
    await cli('approve', `nginx@${DA}`, '--offline');
    const result = await cli('revoke', ...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(stderr);
    expect(query('SELECT revoked_at FROM approvals')).toEqual([{ revoked_at: null }]);
  });
});

describe('approvals', () => {
  beforeEach(async () => {
    await cli('approve', `nginx:1.25@${DA}`, '--offline', '--reason', 'vetted', '--by', 'alice', '--expires', '2030-01-01');
    await cli('approve', `corp.example/app@${DB}`, '--offline');
    await cli('revoke', `corp.example/app@${DB}`, '--reason', 'bad', '--by', 'bob');
  });

  it('prints current approvals as JSON (SPEC §7 shape)', async () => {
    const result = await cli('approvals', '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      {
        repository: NGINX,
        digest: DA,
        tag: '1.25',
        approvedBy: 'alice',
        approvedAt: expect.stringMatching(ISO),
        reason: 'vetted',
        expiresAt: '2030-01-01T00:00:00.000Z',
        revokedAt: null,
        revokedBy: null,
        revokeReason: null,
        imageCreatedAt: null,
        status: 'active',
        signature: null,
        deletedFromRegistryAt: null,
      },
    ]);
  });

  it('includes revoked approvals with --all', async () => {
    const listed = JSON.parse((await cli('approvals', '--all', '--json')).stdout) as { repository: string; status: string; revokedBy: string | null; revokedAt: string | null }[];
    expect(listed.map((a) => [a.repository, a.status, a.revokedBy])).toEqual([
      ['corp.example/app', 'revoked', 'bob'],
      [NGINX, 'active', null],
    ]);
    expect(listed[0]?.revokedAt).toMatch(ISO);
  });

  it('filters by repository glob', async () => {
    const listed = JSON.parse((await cli('approvals', '--all', '--json', '--repository', 'corp.example/*')).stdout) as { repository: string }[];
    expect(listed.map((a) => a.repository)).toEqual(['corp.example/app']);
  });

  it('prints a table by default', async () => {
    const result = await cli('approvals', '--all');
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s+DIGEST\s+TAG\s+STATUS\s+APPROVED\s+BY\s+EXPIRES\s+REASON$/);
    expect(lines[1]).toMatch(new RegExp(`^corp\\.example/app\\s+${DB}\\s+-\\s+revoked\\s+\\S+\\s+tester\\s+never\\s+revoked by bob: bad$`));
    expect(lines[2]).toMatch(new RegExp(`^${NGINX}\\s+${DA}\\s+1\\.25\\s+active\\s+\\S+\\s+alice\\s+2030-01-01T00:00:00\\.000Z\\s+vetted$`));
    expect(lines).toHaveLength(3);
  });

  it('prints CSV with --csv, one line per approval, text a spreadsheet would run as a formula neutralised', async () => {
    await cli('approve', `corp.example/web@${DA}`, '--offline', '--reason', '=1+1', '--by', '-bot');
    const result = await cli('approvals', '--all', '--csv', '--repository', 'corp.example/*');
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const lines = result.stdout.replace(/\n$/, '').split('\r\n');
    expect(lines).toEqual([
      'repository,digest,tag,status,approvedBy,approvedAt,reason,expiresAt,revokedAt,revokedBy,revokeReason,imageCreatedAt,signature,deletedFromRegistryAt',
      expect.stringMatching(new RegExp(`^corp\\.example/app,${DB},,revoked,tester,\\S+Z,,,\\S+Z,bob,bad,,,$`)),
      expect.stringMatching(new RegExp(`^corp\\.example/web,${DA},,active,'-bot,\\S+Z,'=1\\+1,,,,,,,$`)),
    ]);
    expect(await cli('approvals', '--csv', '--json')).toEqual({ status: 2, stdout: '', stderr: 'error: --json and --csv cannot be combined\n' });
  });

  it('prints an empty array for an empty store', async () => {
    fs.rmSync(store.dbPath);
    expect((await cli('migrate')).status).toBe(0);
    expect(await cli('approvals', '--json')).toEqual({ status: 0, stdout: '[]\n', stderr: '' });
  });
});

/** Records admitted decisions through the server's own audit writer, for the revoke warning. */
async function recordAdmissions(admissions: readonly [number, string, string][]): Promise<void> {
  const db = openStore(store.dbPath, { migrate: 'apply' });
  try {
    const writer = createInlineAuditWriter(db);
    for (const [time, namespace, image] of admissions) {
      await writer.append(decisionRecord({ time, namespace, images: [{ image, repository: NGINX, digest: DA, allowed: true, reasons: [] }] }));
    }
    await writer.close();
  } finally {
    db.close();
  }
}
