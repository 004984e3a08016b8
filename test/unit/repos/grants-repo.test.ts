import { NotFoundError } from '../../../src/errors';
import { ENGINES, useEngineStore } from '../../helpers/store-engines';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

describe.each(ENGINES)('break-glass grants on %s', (engine) => {
  const s = useEngineStore(engine);
  const grant = (namespace: string, expiresAt: number) =>
    s.store.grants.grant({ namespace, ticket: 'INC-1', expiresAt, reason: 'outage', by: 'alice', now: T0 });
  const revoke = (id: number, by: string, now: number) => s.store.grants.revoke({ id, by, now });
  const list = (all: boolean, now: number) => s.store.grants.list({ all, now });

  describe('grant', () => {
    it('stores the grant with a change-log row', async () => {
      expect(await grant('prod-*', T0 + HOUR)).toEqual({
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
      expect(await s.changes()).toEqual([
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

  describe('revoke', () => {
    it('marks it revoked with a change-log row', async () => {
      await grant('prod', T0 + HOUR);
      expect(await revoke(1, 'bob', T0 + 1)).toMatchObject({ status: 'revoked', revokedAt: T0 + 1, revokedBy: 'bob' });
      expect((await s.changes()).map((c) => [c.action, c.actor, c.subject, c.details])).toEqual([
        ['break-glass-grant', 'alice', 'break-glass-grant:1', expect.any(String)],
        ['break-glass-revoke', 'bob', 'break-glass-grant:1', JSON.stringify({ namespace: 'prod', ticket: 'INC-1' })],
      ]);
    });

    it('fails with NotFoundError for an unknown or already revoked id, changing nothing', async () => {
      await grant('prod', T0 + HOUR);
      await expect(revoke(2, 'bob', T0)).rejects.toThrow(new NotFoundError('no break-glass grant 2'));
      await revoke(1, 'bob', T0);
      const before = await s.changes();
      await expect(revoke(1, 'eve', T0)).rejects.toThrow(new NotFoundError('break-glass grant 1 was already revoked by bob'));
      expect(await s.changes()).toEqual(before);
    });
  });

  describe('list', () => {
    it('lists active grants by default and every one, with status, with all', async () => {
      await grant('a', T0 + HOUR);
      await grant('b', T0 + 3 * HOUR);
      await grant('c', T0 + 3 * HOUR);
      await revoke(3, 'bob', T0);
      const at = T0 + 2 * HOUR;
      expect((await list(false, at)).map((g) => [g.namespace, g.status])).toEqual([['b', 'active']]);
      expect((await list(true, at)).map((g) => [g.namespace, g.status])).toEqual([
        ['a', 'expired'],
        ['b', 'active'],
        ['c', 'revoked'],
      ]);
    });
  });
});
