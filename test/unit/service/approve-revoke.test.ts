import { RegistryError, UsageError } from '../../../src/errors';
import type { ImageRef } from '../../../src/core/types';
import type { RegistryLookup, ResolvedImage, SignatureLookup } from '../../../src/registry/types';
import { builtInPolicy } from '../../../src/core/policy';
import { approvalChanges } from '../../../src/service/approval-changes';
import { type ApproveSettings, approveImage, resolveApprovalTarget } from '../../../src/service/approve-image';
import { requireRef } from '../../../src/service/require-ref';
import { RECENT_ADMISSIONS_MS, revocationDigest, revokeImage } from '../../../src/service/revoke-image';
import { createInlineAuditWriter } from '../../../src/store/audit-inline-committer';
import { type SqliteStore, openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store';
import { DIGEST_A, DIGEST_B, decisionRecord } from '../../helpers/decision-record';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

// approve and revoke through the service layer, over a real SQLite store opened as the CLI opens it.

const NGINX = 'docker.io/library/nginx';
const T0 = Date.UTC(2026, 0, 15);
const SETTINGS: ApproveSettings = { by: 'alice', reason: 'vetted', expiresAt: null, registry: null, policy: builtInPolicy(), allowUnsigned: false };
const NOW = (): number => T0;

let tmp: TempDir;
let store: SqliteStore;
beforeEach(() => {
  tmp = makeTempDir('service-approve-');
  store = openSqliteStore(tmp.file('store.db'), 'read-write');
});
afterEach(async () => {
  await store.close();
  tmp.cleanup();
});

function registryServing(digest: string, createdAt: number | null = null): RegistryLookup & SignatureLookup & { readonly asked: ImageRef[] } {
  const asked: ImageRef[] = [];
  return {
    asked,
    // The built-in policy has no signatures entry: signatures are never asked for.
    signatures: () => Promise.reject(new Error('signatures were not expected to be looked up')),
    resolve: async (ref): Promise<ResolvedImage> => {
      asked.push(ref);
      return { repository: ref.repository, digest, tag: ref.tag, mediaType: 'application/vnd.oci.image.index.v1+json', platforms: ['linux/amd64'], createdAt };
    },
  };
}

describe('resolveApprovalTarget + approveImage', () => {
  it('approves the digest the registry serves for a tag, with the tag and the build time', async () => {
    const target = await resolveApprovalTarget(requireRef('nginx:1.25'), { ...SETTINGS, registry: registryServing(DIGEST_A, T0 - 1000) }, NOW);
    const { record, previous } = await approveImage(store.approvals, target, SETTINGS, T0);
    expect(previous).toBeNull();
    expect(record).toMatchObject({ repository: NGINX, digest: DIGEST_A, tag: '1.25', approvedBy: 'alice', imageCreatedAt: T0 - 1000, status: 'active' });
    expect(await store.approvals.list({ all: false, now: T0 })).toEqual([record]);
  });

  it('offline, takes the digest from the reference and asks no registry', async () => {
    expect(await resolveApprovalTarget(requireRef(`nginx@${DIGEST_A}`), { ...SETTINGS, registry: null }, NOW)).toEqual({
      repository: NGINX,
      digest: DIGEST_A,
      tag: null,
      resolved: null,
      signature: null,
    });
  });

  it('offline, refuses a reference without digest', async () => {
    await expect(resolveApprovalTarget(requireRef('nginx:1.25'), { ...SETTINGS, registry: null }, NOW)).rejects.toThrow(
      new UsageError('cannot approve nginx:1.25: --offline needs a digest reference (repo@sha256:…)'),
    );
  });

  it('refuses when the registry serves another digest than the reference names', async () => {
    await expect(resolveApprovalTarget(requireRef(`nginx:1.25@${DIGEST_A}`), { ...SETTINGS, registry: registryServing(DIGEST_B) }, NOW)).rejects.toThrow(
      new RegistryError(`nginx:1.25@${DIGEST_A}: the registry serves ${DIGEST_B}, not ${DIGEST_A}`),
    );
  });
});

describe('requireRef', () => {
  it('throws a UsageError naming the text', () => {
    expect(() => requireRef('Not A Ref')).toThrow(/^invalid image reference "Not A Ref": /);
    expect(() => requireRef('Not A Ref')).toThrow(UsageError);
  });
});

describe('re-approving (issue 10 item 5)', () => {
  const offline = (tag: string | null) => ({ repository: NGINX, digest: DIGEST_A, tag, resolved: null, signature: null });

  it('keeps every approval, keeps the recorded tag of a digest re-approved by digest, and says what changed', async () => {
    await approveImage(store.approvals, offline('2.0.0'), { ...SETTINGS, expiresAt: T0 + 180 * 86_400_000, reason: 'release' }, T0);
    await store.approvals.revoke({ repository: NGINX, digest: DIGEST_A, by: 'bob', reason: 'CVE-2026-1', now: T0 + 1000 });
    const outcome = await approveImage(store.approvals, offline(null), SETTINGS, T0 + 2000);
    expect(outcome.record).toMatchObject({ tag: '2.0.0', expiresAt: null, reason: 'vetted', status: 'active' });
    expect(approvalChanges(outcome)).toEqual([
      `was revoked by bob at ${new Date(T0 + 1000).toISOString()}: CVE-2026-1`,
      `expiry ${new Date(T0 + 180 * 86_400_000).toISOString()} → never`,
      'tag 2.0.0 kept from the earlier approval',
      'reason "release" → "vetted"',
    ]);
    expect((await store.approvals.history(NGINX, DIGEST_A, T0 + 3000)).map((a) => [a.status, a.tag, a.revokedBy])).toEqual([
      ['revoked', '2.0.0', 'bob'],
      ['active', '2.0.0', null],
    ]);
  });

  it('names a changed tag, and an approval it supersedes', async () => {
    await approveImage(store.approvals, offline('2.0.0'), SETTINGS, T0);
    const outcome = await approveImage(store.approvals, offline('2.0.1'), SETTINGS, T0 + 1000);
    expect(approvalChanges(outcome)).toEqual([`replaces the approval by alice at ${new Date(T0).toISOString()}`, 'tag 2.0.0 → 2.0.1']);
    expect((await store.approvals.list({ all: true, now: T0 + 2000 })).map((a) => a.status)).toEqual(['superseded', 'active']);
  });
});

describe('revokeImage', () => {
  it('revokes and names the namespaces where the digest was admitted in the last 24 h', async () => {
    await approveImage(store.approvals, { repository: NGINX, digest: DIGEST_A, tag: null, resolved: null, signature: null }, SETTINGS, T0);
    const writer = createInlineAuditWriter(store.db);
    const admitted = (time: number, namespace: string) =>
      writer.append(decisionRecord({ time, namespace, images: [{ image: `nginx@${DIGEST_A}`, repository: NGINX, digest: DIGEST_A, allowed: true, reasons: [] }] }));
    const now = T0 + 2 * RECENT_ADMISSIONS_MS;
    await admitted(now - RECENT_ADMISSIONS_MS - 1, 'too-old');
    await admitted(now - 1000, 'prod');
    await admitted(now - 500, 'apps');
    await writer.close();
    const { record, admittedIn } = await revokeImage(store, { repository: NGINX, digest: DIGEST_A, by: 'bob', reason: 'CVE', now });
    expect(record).toMatchObject({ status: 'revoked', revokedBy: 'bob', revokeReason: 'CVE', revokedAt: now });
    expect(admittedIn).toEqual(['apps', 'prod']);
  });

  it('rejects with NotFoundError when nothing is approved', async () => {
    await expect(revokeImage(store, { repository: NGINX, digest: DIGEST_A, by: 'bob', reason: null, now: T0 })).rejects.toThrow(
      `no approval of ${NGINX}@${DIGEST_A} to revoke`,
    );
  });
});

describe('revocationDigest', () => {
  it('takes a digest reference as written, without asking the registry', async () => {
    const registry = registryServing(DIGEST_B);
    expect(await revocationDigest(requireRef(`nginx@${DIGEST_A}`), async () => registry)).toBe(DIGEST_A);
    expect(registry.asked).toEqual([]);
  });

  it("asks the registry for a tag's current digest", async () => {
    expect(await revocationDigest(requireRef('nginx:1.25'), async () => registryServing(DIGEST_B))).toBe(DIGEST_B);
  });
});
