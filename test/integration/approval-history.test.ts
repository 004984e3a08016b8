import fs from 'node:fs';
import { useCliStore } from '../helpers/use-cli-store';

// Issue 10 item 5, SPEC §6/§7: approvals are a history. Approve with an expiry, revoke with a reason, approve again:
// every act is kept and shown, the re-approval says what it changes, the recorded tag stays (version floors still
// judge the digest), and the change log says who did what, when and why.

const store = useCliStore('approval-history-');
const { cli } = store;

const APP = 'registry.corp.example/payments/api';
const D1 = `sha256:${'1'.repeat(64)}`;
const DAY = 86_400_000;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Event {
  readonly action: string;
  readonly by: string;
  readonly tag: string | null;
  readonly expiresAt: string | null;
  readonly reason: string | null;
  readonly time: string;
}

async function approveRevokeApprove(): Promise<{ reapproved: Awaited<ReturnType<typeof cli>>; expiry: string; revokedAt: string }> {
  const first = await cli('approve', `${APP}:2.0.0@${D1}`, '--offline', '--expires', '180d', '--reason', 'release', '--by', 'alice');
  expect(first.status).toBe(0);
  const expiry = /expires (\S+)\)/.exec(first.stdout)?.[1] ?? '';
  expect(Date.parse(expiry) - Date.now()).toBeGreaterThan(179 * DAY);
  expect((await cli('revoke', `${APP}@${D1}`, '--reason', 'CVE-2026-1', '--by', 'bob')).status).toBe(0);
  const events = JSON.parse((await cli('approvals', 'history', `${APP}@${D1}`, '--json')).stdout) as Event[];
  const revokedAt = events[1]?.time ?? '';
  const reapproved = await cli('approve', `${APP}@${D1}`, '--offline', '--by', 'carol');
  return { reapproved, expiry, revokedAt };
}

it('keeps approve, revoke and re-approve, and the re-approval says what it changes', async () => {
  const { reapproved, expiry, revokedAt } = await approveRevokeApprove();
  expect(reapproved).toEqual({
    status: 0,
    stdout:
      `approved ${APP}@${D1} (tag 2.0.0, no expiry)\n` +
      `  re-approved: was revoked by bob at ${revokedAt}: CVE-2026-1; expiry ${expiry} → never; tag 2.0.0 kept from the earlier approval; reason "release" → none\n`,
    stderr: '',
  });

  const history = JSON.parse((await cli('approvals', 'history', `${APP}@${D1}`, '--json')).stdout) as Event[];
  expect(history.map((e) => [e.action, e.by, e.tag, e.expiresAt, e.reason])).toEqual([
    ['approve', 'alice', '2.0.0', expiry, 'release'],
    ['revoke', 'bob', '2.0.0', null, 'CVE-2026-1'],
    ['approve', 'carol', '2.0.0', null, null],
  ]);
  history.forEach((e) => expect(e.time).toMatch(ISO));

  const table = (await cli('approvals', 'history', `${APP}@${D1}`)).stdout.trimEnd().split('\n');
  expect(table[0]).toMatch(/^TIME\s+ACTION\s+BY\s+REPOSITORY\s+DIGEST\s+TAG\s+EXPIRES\s+REASON$/);
  expect(table.slice(1).map((l) => l.split(/\s+/).slice(1, 3))).toEqual([['approve', 'alice'], ['revoke', 'bob'], ['approve', 'carol']]);
  const csv = (await cli('approvals', 'history', `${APP}:2.0.0`, '--csv')).stdout.split('\r\n');
  expect(csv[0]).toBe('time,action,by,repository,digest,tag,expires,reason');
  expect(csv).toHaveLength(4);

  // `approvals` is the current state; `--all` keeps the revocation in view.
  const current = JSON.parse((await cli('approvals', '--json')).stdout) as { status: string; tag: string; approvedBy: string }[];
  expect(current).toEqual([expect.objectContaining({ status: 'active', tag: '2.0.0', approvedBy: 'carol', expiresAt: null })]);
  const all = JSON.parse((await cli('approvals', '--all', '--json')).stdout) as { status: string; revokedBy: string | null; revokeReason: string | null }[];
  expect(all.map((a) => [a.status, a.revokedBy, a.revokeReason])).toEqual([['revoked', 'bob', 'CVE-2026-1'], ['active', null, null]]);
  expect(await cli('audit', 'verify')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^audit chain ok: 0 decisions, 3 changes /) });
});

it('keeps judging version floors by the tag recorded before the re-approval', async () => {
  await approveRevokeApprove();
  const policy = store.dir.file('policy.yaml');
  fs.writeFileSync(policy, 'registries: [registry.corp.example]\nscan: {required: false}\nversionFloors:\n  - {repository: "registry.corp.example/payments/*", range: ">=2.4.1"}\n');
  const explained = await cli('explain', `${APP}:9.9.9@${D1}`, '--policy', policy, '--json');
  expect(explained.status).toBe(1);
  const verdict = JSON.parse(explained.stdout) as { images: { reasons: { code: string }[] }[] };
  expect(verdict.images[0]?.reasons.map((r) => r.code)).toEqual(['version-below-floor']);
});

it('names nothing ever approved', async () => {
  expect((await cli('migrate')).status).toBe(0);
  expect(await cli('approvals', 'history', `${APP}@${D1}`)).toEqual({ status: 1, stdout: '', stderr: `error: no approval of ${APP}@${D1} was ever recorded\n` });
});

describe('changes', () => {
  it('lists who did what, when and why, oldest first, filtered by actor and time', async () => {
    await approveRevokeApprove();
    const changes = JSON.parse((await cli('changes', '--json')).stdout) as { id: number; actor: string; action: string; subject: string; details: Record<string, unknown>; time: string }[];
    expect(changes.map((c) => [c.id, c.actor, c.action, c.subject])).toEqual([
      [1, 'alice', 'approve', `${APP}@${D1}`],
      [2, 'bob', 'revoke', `${APP}@${D1}`],
      [3, 'carol', 'approve', `${APP}@${D1}`],
    ]);
    expect(changes[1]?.details).toEqual({ approvalId: 1, reason: 'CVE-2026-1' });
    expect(JSON.parse((await cli('changes', '--actor', 'bob', '--json')).stdout)).toEqual([changes[1]]);
    expect(JSON.parse((await cli('changes', '--since', changes[2]?.time ?? '', '--json')).stdout)).toEqual(changes.filter((c) => c.time >= (changes[2]?.time ?? '')));

    const table = (await cli('changes', '--actor', 'bob')).stdout.trimEnd().split('\n');
    expect(table[0]).toMatch(/^ID\s+TIME\s+ACTOR\s+ACTION\s+SUBJECT\s+DETAILS$/);
    expect(table[1]).toMatch(new RegExp(`^2\\s+\\S+Z\\s+bob\\s+revoke\\s+${APP}@${D1}\\s+approvalId=1, reason=CVE-2026-1$`));
    expect((await cli('changes', '--csv')).stdout.split('\r\n')[0]).toBe('id,time,actor,action,subject,details');
    expect(await cli('changes', '--actor', 'nobody')).toEqual({ status: 0, stdout: 'no matching changes\n', stderr: '' });
    expect(await cli('changes', '--json', '--csv')).toMatchObject({ status: 2, stderr: 'error: --json and --csv cannot be combined\n' });
  });
});
