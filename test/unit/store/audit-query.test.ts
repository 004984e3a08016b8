import os from 'node:os';
import type Database from 'better-sqlite3';
import { createInlineAuditWriter } from '../../../src/store/audit-inline-committer';
import { type DecisionFilter, explainDecisionQuery, prefixRange, queryDecisions } from '../../../src/store/audit-query';
import { auditStats } from '../../../src/store/audit-stats';
import { openStore } from '../../../src/store/open-database';
import { DIGEST_A, decisionRecord, deniedRecord } from '../../helpers/decision-record';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

const NGINX = { image: 'nginx:1.25', repository: 'docker.io/library/nginx', digest: null };

describe('audit queries', () => {
  let tmp: TempDir;
  let db: Database.Database;
  const ids = (filter: Omit<DecisionFilter, 'limit'>, limit = 100): number[] =>
    queryDecisions(db, { ...filter, limit }).map((d) => d.id);

  beforeAll(async () => {
    tmp = makeTempDir();
    db = openStore(tmp.file('store.db'), { migrate: 'apply' });
    const writer = createInlineAuditWriter(db);
    await writer.append(decisionRecord({ time: 1000 }));
    await writer.append(deniedRecord({ time: 2000, namespace: 'dev' }));
    await writer.append(
      deniedRecord({ time: 3000, allowed: true, breakGlass: true, ticket: 'INC-1', overridden: 'not-approved' }),
    );
    await writer.append(
      decisionRecord({
        time: 4000,
        allowed: false,
        user: 'alice',
        images: [{ ...NGINX, allowed: false, reasons: ['registry-not-allowed', 'digest-required'] }],
      }),
    );
    // Recorded after decision 4 but decided before it: newest first is by decision time.
    await writer.append(decisionRecord({ time: 2500, namespace: 'dev', mode: 'dry-run' }));
  });
  afterAll(() => {
    db.close();
    tmp.cleanup();
  });

  it('returns decisions newest first, with their images, and honours the limit', () => {
    expect(ids({})).toEqual([4, 3, 5, 2, 1]);
    expect(ids({}, 2)).toEqual([4, 3]);
    expect(queryDecisions(db, { limit: 1 })).toEqual([
      {
        id: 4,
        time: 4000,
        namespace: 'prod',
        allowed: false,
        mode: 'enforce',
        breakGlass: false,
        ticket: null,
        reason: 'all images allowed',
        overridden: null,
        policyHash: 'f'.repeat(64),
        user: 'alice',
        groups: null,
        latencyUs: 250,
        // The writer that recorded it: createInlineAuditWriter's default, this host.
        writer: os.hostname(),
        cluster: null,
        chainSeq: 4,
        images: [{ ...NGINX, allowed: false, reasons: ['registry-not-allowed', 'digest-required'], unchanged: false, signature: null }],
      },
    ]);
  });

  it.each<[string, Omit<DecisionFilter, 'limit'>, number[]]>([
    ['namespace', { namespace: 'dev' }, [5, 2]],
    ['an unknown namespace', { namespace: 'nope' }, []],
    ['since (inclusive)', { since: 2500 }, [4, 3, 5]],
    ['until (inclusive)', { until: 2500 }, [5, 2, 1]],
    ['a time window', { since: 2000, until: 3000 }, [3, 5, 2]],
    ['allowed', { decision: 'allowed' }, [3, 5, 1]],
    ['denied', { decision: 'denied' }, [4, 2]],
    ['a reason code', { reason: 'not-approved' }, [3, 2]],
    ['a reason code nobody has', { reason: 'image-too-old' }, []],
    ['break-glass', { breakGlass: true }, [3]],
    ['an image glob on the image string', { image: 'nginx:*' }, [4]],
    ['an image glob on the repository', { image: 'registry.corp.example/web/*' }, [3, 2]],
    ['a literal repository', { image: 'docker.io/library/nginx' }, [4]],
    ['an image glob matching a digest', { image: `*@${DIGEST_A}` }, [5, 1]],
    ['an image glob matching nothing', { image: 'quay.io/*' }, []],
    ['several filters together', { namespace: 'prod', decision: 'allowed', reason: 'scan-missing' }, [3]],
    ['a reason code and a time window', { reason: 'not-approved', until: 2500 }, [2]],
    ['a reason code and an image', { reason: 'not-approved', image: 'registry.corp.example/web/*', since: 2500 }, [3]],
    ['an image and a namespace', { image: 'registry.corp.example/web/*', namespace: 'dev' }, [2]],
    ['an image and a time window', { image: 'registry.corp.example/*', since: 1000, until: 2500 }, [5, 2, 1]],
  ])('filters by %s', (_what, filter, expected) => {
    expect(ids(filter)).toEqual(expected);
  });

  it('lists a decision once when its pod names a matching image twice', async () => {
    const other = makeTempDir();
    const store = openStore(other.file('store.db'), { migrate: 'apply' });
    try {
      const image = { ...NGINX, allowed: true, reasons: [] };
      await createInlineAuditWriter(store).append(decisionRecord({ images: [image, image] }));
      expect(queryDecisions(store, { image: 'nginx*', limit: 10 }).map((d) => [d.id, d.images.length])).toEqual([[1, 2]]);
    } finally {
      store.close();
      other.cleanup();
    }
  });

  it('counts by decision, mode, namespace, reason and break-glass', () => {
    expect(auditStats(db)).toEqual({
      since: null,
      until: null,
      namespace: null,
      total: 5,
      allowed: 3,
      denied: 2,
      breakGlass: 1,
      byMode: [
        { mode: 'enforce', count: 4 },
        { mode: 'dry-run', count: 1 },
      ],
      byNamespace: [
        { namespace: 'prod', allowed: 2, denied: 1 },
        { namespace: 'dev', allowed: 1, denied: 1 },
      ],
      byReason: [
        { reason: 'not-approved', count: 2 },
        { reason: 'scan-missing', count: 2 },
        { reason: 'digest-required', count: 1 },
        { reason: 'registry-not-allowed', count: 1 },
      ],
    });
    expect(auditStats(db, { since: 3000 })).toMatchObject({ since: 3000, total: 2, allowed: 1, denied: 1, breakGlass: 1 });
  });

  it('counts only the namespace asked for, reasons included', () => {
    expect(auditStats(db, { namespace: 'dev' })).toEqual({
      since: null,
      until: null,
      namespace: 'dev',
      total: 2,
      allowed: 1,
      denied: 1,
      breakGlass: 0,
      byMode: [
        { mode: 'dry-run', count: 1 },
        { mode: 'enforce', count: 1 },
      ],
      byNamespace: [{ namespace: 'dev', allowed: 1, denied: 1 }],
      byReason: [
        { reason: 'not-approved', count: 1 },
        { reason: 'scan-missing', count: 1 },
      ],
    });
    const reasons = (namespace?: string) => auditStats(db, { namespace }).byReason.reduce((sum, r) => sum + r.count, 0);
    expect(reasons('dev') + reasons('prod')).toBe(reasons());
    expect(auditStats(db, { namespace: 'nowhere' })).toMatchObject({ total: 0, byMode: [], byNamespace: [], byReason: [] });
  });

  it('counts whole days from the daily counts, whole hours from the hourly counts and the partial first hour from the decisions', async () => {
    const other = makeTempDir();
    const store = openStore(other.file('store.db'), { migrate: 'apply' });
    try {
      const writer = createInlineAuditWriter(store);
      const hour = 3600 * 1000;
      const times = [hour - 1, hour, hour + 1, 2 * hour - 1, 2 * hour, 5 * hour + 7];
      for (const [i, time] of times.entries()) {
        const record = i % 2 === 0 ? decisionRecord({ time }) : deniedRecord({ time, namespace: 'dev' });
        await writer.append(record);
      }
      const edges = [0, 1, hour - 1, hour, hour + 1, 2 * hour - 1, 2 * hour + 1, 5 * hour + 7, 6 * hour];
      const expected = (since: number, until = Infinity, namespace?: string) =>
        times.filter((t, i) => t >= since && t <= until && (namespace === undefined || (i % 2 === 0 ? 'prod' : 'dev') === namespace)).length;
      for (const since of edges) {
        const stats = auditStats(store, { since });
        expect([since, stats.total, stats.allowed + stats.denied]).toEqual([since, expected(since), expected(since)]);
        for (const until of edges) {
          for (const namespace of [undefined, 'dev']) {
            const window = auditStats(store, { since, until, namespace });
            expect([since, until, namespace, window.total]).toEqual([since, until, namespace, expected(since, until, namespace)]);
          }
        }
        expect([since, auditStats(store, { until: since }).total]).toEqual([since, expected(0, since)]);
      }
      // Across days: whole days from the daily counts, the hours before the first from the hourly ones.
      const day = 24 * hour;
      const later = [day - hour - 1, day - hour + 5, day - 1, day, 2 * day + 3, 3 * day - 1];
      for (const time of later) await writer.append(deniedRecord({ time, namespace: 'dev' }));
      times.push(...later);
      for (const since of [hour + 1, day - 2 * hour + 1, day - hour, day - hour + 1, day - 1, day, day + 1, 2 * day + 4]) {
        const stats = auditStats(store, { since });
        const denied = times.filter((t, i) => t >= since && (i % 2 === 1 || i >= 6)).length;
        expect([since, stats.total, stats.denied, stats.byReason]).toEqual([
          since,
          expected(since),
          denied,
          denied === 0 ? [] : [{ reason: 'not-approved', count: denied }, { reason: 'scan-missing', count: denied }],
        ]);
      }
      // The rollups count what the audit writer committed (migration 0010): a hand deletion, which breaks the chain
      // (audit verify reports it), leaves the whole hours' totals as they were.
      store.exec('DELETE FROM decisions WHERE time = ' + String(hour + 1));
      expect(auditStats(store).total).toBe(times.length);
      expect(auditStats(store, { since: hour }).byNamespace).toEqual([
        { namespace: 'dev', allowed: 0, denied: 3 + later.length },
        { namespace: 'prod', allowed: 2, denied: 0 },
      ]);
    } finally {
      store.close();
      other.cleanup();
    }
  });

  it.each<[string, ReturnType<typeof prefixRange>]>([
    ['', null],
    ['registry.corp.example/team-07/app-1', { from: 'registry.corp.example/team-07/app-1', below: 'registry.corp.example/team-07/app-2' }],
    ['a\u{10ffff}', { from: 'a\u{10ffff}', below: 'b' }],
    ['\u{10ffff}', { from: '\u{10ffff}', below: null }],
    ['a\u{d7ff}', { from: 'a\u{d7ff}', below: 'a\u{e000}' }],
  ])('bounds the images that start with %j', (head, range) => {
    expect(prefixRange(head)).toEqual(range);
  });

  it.each<[string, DecisionFilter, RegExp]>([
    ['one namespace, last hour', { namespace: 'prod', since: 0, limit: 100 }, /SEARCH d USING INDEX decisions_namespace_time \(namespace=\? AND time>\?\)/],
    ['break-glass', { breakGlass: true, limit: 100 }, /SCAN d USING INDEX decisions_break_glass/],
    ['denied since', { decision: 'denied', since: 0, limit: 100 }, /SEARCH d USING INDEX decisions_denied \(time>\?\)/],
    ['a reason code', { reason: 'not-approved', since: 0, limit: 100 }, /SEARCH dr USING PRIMARY KEY \(reason=\? AND time>\?\)/],
    ['an image', { image: 'nginx:*', limit: 100 }, /SEARCH di USING COVERING INDEX decision_images_image \(image_id=\?\)/],
  ])('serves %s from indexes, in index order (no sort)', (_what, filter, index) => {
    const plan = explainDecisionQuery(db, filter).join('\n');
    expect(plan).toMatch(index);
    expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    expect(plan).not.toMatch(/SCAN d\b(?! USING)/);
  });
});
