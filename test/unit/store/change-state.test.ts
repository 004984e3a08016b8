import type { StoredChange } from '../../../src/store/change-chain';
import type { ChangeRecord } from '../../../src/store/change-log-repository';
import { CHANGE_ACTIONS, type StoredRow, type Table, checkChangeLog } from '../../../src/store/change-state';

// The change log's state check (SPEC §6) merges, table by table, the changes ordered by the row they name with the
// stored rows ordered by id, one row at a time. Here the engine's reads are arrays, sorted as the engines sort them,
// so each case of the merge is checked on its own: the chain is not the point (no head given, hashes absent).

const APP = 'registry.corp.example/app';
const digest = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;

function change(id: number, action: string, subject: string, details: Record<string, unknown> | string): StoredChange {
  return { id, time: 1_000 * id, actor: 'alice', action, subject, details: typeof details === 'string' ? details : JSON.stringify(details), hash: null };
}
const approve = (id: number, approvalId: unknown, n: number) => change(id, 'approve', `${APP}@${digest(n)}`, { approvalId, tag: null, reason: null, expiresAt: null, imageCreatedAt: null });
const revoke = (id: number, approvalId: unknown, n: number) => change(id, 'revoke', `${APP}@${digest(n)}`, { approvalId, reason: 'CVE-1' });

/** The approval row `approve` (and `revoke`) would have stored. */
function approval(id: number, n: number, at: number, revokedAt: number | null = null): StoredRow {
  return {
    id, repository: APP, digest: digest(n), tag: null, approved_by: 'alice', approved_at: at, reason: null, expires_at: null, image_created_at: null,
    signature: null, revoked_at: revokedAt, revoked_by: revokedAt === null ? null : 'alice', revoke_reason: revokedAt === null ? null : 'CVE-1',
  };
}

/** The check over these entries and approval rows, each table's changes sorted as the engines sort them. */
async function state(entries: readonly StoredChange[], approvals: readonly StoredRow[]): Promise<readonly string[]> {
  const rowOf = (c: ChangeRecord): number => {
    try {
      const id: unknown = (JSON.parse(c.details ?? 'null') as Record<string, unknown> | null)?.approvalId;
      return typeof id === 'number' ? id : -Infinity;
    } catch {
      return -Infinity;
    }
  };
  const changes = (table: Table): ChangeRecord[] =>
    entries.filter((c) => CHANGE_ACTIONS[table].includes(c.action)).sort((a, b) => rowOf(a) - rowOf(b) || a.id - b.id);
  return (await checkChangeLog({ entries, changes, rows: (table) => (table === 'approvals' ? approvals : []) }, undefined)).state;
}

it('passes rows equal to the log, whatever order the approvals were made and revoked in', async () => {
  const log = [approve(1, 1, 1), approve(2, 2, 2), revoke(3, 1, 1), approve(4, 3, 3)];
  expect(await state(log, [approval(1, 1, 1000, 3000), approval(2, 2, 2000), approval(3, 3, 4000)])).toEqual([]);
});

it('names rows added, deleted and edited, in id order, each at its place in the merge', async () => {
  const log = [approve(1, 1, 1), approve(2, 2, 2), approve(3, 4, 4), revoke(4, 4, 4)];
  expect(await state(log, [approval(1, 1, 1000), approval(3, 3, 0), approval(4, 4, 3000), approval(5, 5, 0)])).toEqual([
    `approvals row 2 (${APP}@${digest(2)}) is missing (deleted): the change log records it`,
    'approvals row 3 is not in the change log (added outside image-reviewer)',
    `approvals row 4 (${APP}@${digest(4)}) differs from the change log: revoked_at is null where the change log says 1970-01-01T00:00:04.000Z (change 4); revoked_by is null where the change log says "alice" (change 4); revoke_reason is null where the change log says "CVE-1" (change 4)`,
    'approvals row 5 is not in the change log (added outside image-reviewer)',
  ]);
});

it('names changes it cannot replay first, in change order: no row named, unreadable, unknown, a revoke of no approval', async () => {
  const log = [
    approve(1, 1, 1),
    revoke(2, 7, 7),
    approve(3, '2', 2),
    change(4, 'approve', `${APP}@${digest(3)}`, '{not json'),
    change(5, 'teleport', 'x:1', {}),
    approve(6, 1.5, 6),
  ];
  expect(await state(log, [approval(1, 1, 1000)])).toEqual([
    `change 2 (revoke ${APP}@${digest(7)}) changes approvals row 7, which no earlier change created`,
    `change 3 (approve ${APP}@${digest(2)}) does not name the row it changed`,
    `change 4 (approve ${APP}@${digest(3)}) has unreadable details`,
    'change 5 (teleport x:1) has an action image-reviewer does not know',
    `change 6 (approve ${APP}@${digest(6)}) does not name the row it changed`,
  ]);
});

it('reports a change the engine sorted out of row order instead of failing', async () => {
  const log = [approve(1, 1, 1), approve(2, 2, 2)];
  const { state: result } = await checkChangeLog(
    { entries: log, changes: (table) => (table === 'approvals' ? [log[1]!, log[0]!] : []), rows: (table) => (table === 'approvals' ? [approval(1, 1, 1000), approval(2, 2, 2000)] : []) },
    undefined,
  );
  expect(result).toEqual([
    `change 1 (approve ${APP}@${digest(1)}) names its approvals row in a way the store does not sort by (edited details?)`,
    'approvals row 1 is not in the change log (added outside image-reviewer)',
  ]);
});

it('names every one of 200,000 rows added by hand (more than a spread call can take)', async () => {
  const rows = Array.from({ length: 200_000 }, (_, i) => approval(i + 1, 1, 0));
  const problems = await state([], rows);
  expect(problems).toHaveLength(200_000);
  expect(problems[199_999]).toBe('approvals row 200000 is not in the change log (added outside image-reviewer)');
});
