import type Database from 'better-sqlite3';
import { NotFoundError } from '../../../src/errors';
import { listChanges } from '../../../src/store/sqlite/change-log';
import { addException, listExceptions, removeException } from '../../../src/store/sqlite/exceptions-repo';
import { openStore } from '../../../src/store/open-database';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 24 * 3_600_000;

let dir: TempDir;
let db: Database.Database;

beforeEach(() => {
  dir = makeTempDir('exceptions-repo-');
  db = openStore(dir.file('store.db'), { migrate: 'apply' });
});

afterEach(() => {
  db.close();
  dir.cleanup();
});

function add(vulnerabilityId: string, expiresAt: number, repository: string | null = null) {
  return addException(db, { vulnerabilityId, repository, expiresAt, reason: 'no fix yet', by: 'alice', now: T0 });
}

describe('addException', () => {
  it('stores the exception with a change-log row', () => {
    expect(add('CVE-2024-1', T0 + DAY, 'docker.io/library/*')).toEqual({
      id: 1,
      vulnerabilityId: 'CVE-2024-1',
      repository: 'docker.io/library/*',
      expiresAt: T0 + DAY,
      reason: 'no fix yet',
      createdBy: 'alice',
      createdAt: T0,
      removedAt: null,
      removedBy: null,
      status: 'active',
    });
    expect(listChanges(db)).toEqual([
      {
        id: 1,
        time: T0,
        actor: 'alice',
        action: 'exception-add',
        subject: 'exception:1',
        details: JSON.stringify({ vulnerabilityId: 'CVE-2024-1', repository: 'docker.io/library/*', expiresAt: T0 + DAY, reason: 'no fix yet' }),
      },
    ]);
  });
});

describe('removeException', () => {
  it('marks it removed (kept, not deleted) with a change-log row', () => {
    add('CVE-2024-1', T0 + DAY);
    expect(removeException(db, { id: 1, reason: 'fixed upstream', by: 'bob', now: T0 + 1 })).toMatchObject({
      id: 1,
      status: 'removed',
      removedAt: T0 + 1,
      removedBy: 'bob',
    });
    expect(listChanges(db).map((c) => [c.action, c.actor, c.subject, c.details])).toEqual([
      ['exception-add', 'alice', 'exception:1', expect.any(String)],
      ['exception-remove', 'bob', 'exception:1', JSON.stringify({ vulnerabilityId: 'CVE-2024-1', repository: null, reason: 'fixed upstream' })],
    ]);
  });

  it('fails with NotFoundError for an unknown or already removed id, changing nothing', () => {
    add('CVE-2024-1', T0 + DAY);
    expect(() => removeException(db, { id: 7, reason: null, by: 'bob', now: T0 })).toThrow(new NotFoundError('no exception 7'));
    removeException(db, { id: 1, reason: null, by: 'bob', now: T0 });
    const before = listChanges(db);
    expect(() => removeException(db, { id: 1, reason: null, by: 'eve', now: T0 + 1 })).toThrow(
      new NotFoundError('exception 1 was already removed by bob'),
    );
    expect(listChanges(db)).toEqual(before);
    expect(listExceptions(db, { all: true, now: T0 })[0]).toMatchObject({ removedBy: 'bob', removedAt: T0 });
  });
});

describe('listExceptions', () => {
  it('lists active ones by default and every one, with status, with all', () => {
    add('CVE-1', T0 + DAY);
    add('CVE-2', T0 + 2 * DAY);
    add('CVE-3', T0 + 3 * DAY);
    removeException(db, { id: 3, reason: null, by: 'bob', now: T0 });
    const at = T0 + DAY;
    expect(listExceptions(db, { all: false, now: at }).map((e) => [e.id, e.status])).toEqual([[2, 'active']]);
    expect(listExceptions(db, { all: true, now: at }).map((e) => [e.id, e.status])).toEqual([
      [1, 'expired'],
      [2, 'active'],
      [3, 'removed'],
    ]);
  });
});
