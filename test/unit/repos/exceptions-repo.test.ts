import { NotFoundError } from '../../../src/errors';
import { ENGINES, useEngineStore } from '../../helpers/store-engines';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 24 * 3_600_000;

describe.each(ENGINES)('exceptions on %s', (engine) => {
  const s = useEngineStore(engine);
  const add = (vulnerabilityId: string, expiresAt: number, repository: string | null = null) =>
    s.store.exceptions.add({ vulnerabilityId, repository, expiresAt, reason: 'no fix yet', by: 'alice', now: T0 });
  const remove = (id: number, by: string, now: number, reason: string | null = null) => s.store.exceptions.remove({ id, reason, by, now });
  const list = (all: boolean, now: number) => s.store.exceptions.list({ all, now });

  describe('add', () => {
    it('stores the exception with a change-log row', async () => {
      expect(await add('CVE-2024-1', T0 + DAY, 'docker.io/library/*')).toEqual({
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
      expect(await s.changes()).toEqual([
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

  describe('remove', () => {
    it('marks it removed (kept, not deleted) with a change-log row', async () => {
      await add('CVE-2024-1', T0 + DAY);
      expect(await remove(1, 'bob', T0 + 1, 'fixed upstream')).toMatchObject({ id: 1, status: 'removed', removedAt: T0 + 1, removedBy: 'bob' });
      expect((await s.changes()).map((c) => [c.action, c.actor, c.subject, c.details])).toEqual([
        ['exception-add', 'alice', 'exception:1', expect.any(String)],
        ['exception-remove', 'bob', 'exception:1', JSON.stringify({ vulnerabilityId: 'CVE-2024-1', repository: null, reason: 'fixed upstream' })],
      ]);
    });

    it('fails with NotFoundError for an unknown or already removed id, changing nothing', async () => {
      await add('CVE-2024-1', T0 + DAY);
      await expect(remove(7, 'bob', T0)).rejects.toThrow(new NotFoundError('no exception 7'));
      await remove(1, 'bob', T0);
      const before = await s.changes();
      await expect(remove(1, 'eve', T0 + 1)).rejects.toThrow(new NotFoundError('exception 1 was already removed by bob'));
      expect(await s.changes()).toEqual(before);
      expect((await list(true, T0))[0]).toMatchObject({ removedBy: 'bob', removedAt: T0 });
    });
  });

  describe('list', () => {
    it('lists active ones by default and every one, with status, with all', async () => {
      await add('CVE-1', T0 + DAY);
      await add('CVE-2', T0 + 2 * DAY);
      await add('CVE-3', T0 + 3 * DAY);
      await remove(3, 'bob', T0);
      const at = T0 + DAY;
      expect((await list(false, at)).map((e) => [e.id, e.status])).toEqual([[2, 'active']]);
      expect((await list(true, at)).map((e) => [e.id, e.status])).toEqual([
        [1, 'expired'],
        [2, 'active'],
        [3, 'removed'],
      ]);
    });
  });
});
