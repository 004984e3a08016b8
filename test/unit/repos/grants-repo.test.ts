import type Database from 'better-sqlite3';
import { NotFoundError } from '../../../src/errors';
import { listChanges } from '../../../src/store/sqlite/change-log';
import { grantBreakGlass, listGrants, revokeGrant } from '../../../src/store/sqlite/grants-repo';
import { openStore } from '../../../src/store/open-database';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

let dir: TempDir;
let db: Database.Database;

beforeEach(() => {
  dir = makeTempDir('grants-repo-');
  db = openStore(dir.file('store.db'), { migrate: 'apply' });
});

afterEach(() => {
  db.close();
  dir.cleanup();
});

function grant(namespace: string, expiresAt: number) {
  return grantBreakGlass(db, { namespace, ticket: 'INC-1', expiresAt, reason: 'outage', by: 'alice', now: T0 });
}

describe('grantBreakGlass', () => {
  it('stores the grant with a change-log row', () => {
    expect(grant('prod-*', T0 + HOUR)).toEqual({
      id: 1,
      namespace: 'prod-*',
      ticket: 'INC-1',
      expiresAt: T0 + HOUR,
      grantedBy: 'alice',
      grantedAt: T0,
      reason: 'outage',
      revokedAt: null,
      revokedBy: null,
      status: 'active',
    });
    expect(listChanges(db)).toEqual([
      {
        id: 1,
        time: T0,
        actor: 'alice',
        action: 'break-glass-grant',
        subject: 'break-glass-grant:1',
        details: JSON.stringify({ namespace: 'prod-*', ticket: 'INC-1', expiresAt: T0 + HOUR, reason: 'outage' }),
      },
    ]);
  });
});

describe('revokeGrant', () => {
  it('marks it revoked with a change-log row', () => {
    grant('prod', T0 + HOUR);
    expect(revokeGrant(db, { id: 1, by: 'bob', now: T0 + 1 })).toMatchObject({ status: 'revoked', revokedAt: T0 + 1, revokedBy: 'bob' });
    expect(listChanges(db).map((c) => [c.action, c.actor, c.subject, c.details])).toEqual([
      ['break-glass-grant', 'alice', 'break-glass-grant:1', expect.any(String)],
      ['break-glass-revoke', 'bob', 'break-glass-grant:1', JSON.stringify({ namespace: 'prod', ticket: 'INC-1' })],
    ]);
  });

  it('fails with NotFoundError for an unknown or already revoked id, changing nothing', () => {
    grant('prod', T0 + HOUR);
    expect(() => revokeGrant(db, { id: 2, by: 'bob', now: T0 })).toThrow(new NotFoundError('no break-glass grant 2'));
    revokeGrant(db, { id: 1, by: 'bob', now: T0 });
    const before = listChanges(db);
    expect(() => revokeGrant(db, { id: 1, by: 'eve', now: T0 })).toThrow(
      new NotFoundError('break-glass grant 1 was already revoked by bob'),
    );
    expect(listChanges(db)).toEqual(before);
  });
});

describe('listGrants', () => {
  it('lists active grants by default and every one, with status, with all', () => {
    grant('a', T0 + HOUR);
    grant('b', T0 + 3 * HOUR);
    grant('c', T0 + 3 * HOUR);
    revokeGrant(db, { id: 3, by: 'bob', now: T0 });
    const at = T0 + 2 * HOUR;
    expect(listGrants(db, { all: false, now: at }).map((g) => [g.namespace, g.status])).toEqual([['b', 'active']]);
    expect(listGrants(db, { all: true, now: at }).map((g) => [g.namespace, g.status])).toEqual([
      ['a', 'expired'],
      ['b', 'active'],
      ['c', 'revoked'],
    ]);
  });
});
