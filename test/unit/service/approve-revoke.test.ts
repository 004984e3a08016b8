import { RegistryError, UsageError } from '../../../src/errors';
import type { ImageRef } from '../../../src/core/types';
import type { RegistryLookup, ResolvedImage } from '../../../src/registry/types';
import { approveImage, resolveApprovalTarget } from '../../../src/service/approve-image';
import { requireRef } from '../../../src/service/require-ref';
import { RECENT_ADMISSIONS_MS, revocationDigest, revokeImage } from '../../../src/service/revoke-image';
import { createInlineAuditWriter } from '../../../src/store/audit-inline-committer';
import { type SqliteStore, openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store';
import { DIGEST_A, DIGEST_B, decisionRecord } from '../../helpers/decision-record';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';

// approve and revoke through the service layer, over a real SQLite store opened as the CLI opens it.

const NGINX = 'docker.io/library/nginx';
const T0 = Date.UTC(2026, 0, 15);
const SETTINGS = { by: 'alice', reason: 'vetted', expiresAt: null, registry: null };

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

function registryServing(digest: string, createdAt: number | null = null): RegistryLookup & { readonly asked: ImageRef[] } {
  const asked: ImageRef[] = [];
  return {
    asked,
    resolve: async (ref): Promise<ResolvedImage> => {
      asked.push(ref);
      return { repository: ref.repository, digest, tag: ref.tag, mediaType: 'application/vnd.oci.image.index.v1+json', platforms: ['linux/amd64'], createdAt };
    },
  };
}

describe('resolveApprovalTarget + approveImage', () => {
  it('approves the digest the registry serves for a tag, with the tag and the build time', async () => {
    const target = await resolveApprovalTarget(requireRef('nginx:1.25'), registryServing(DIGEST_A, T0 - 1000));
    const record = await approveImage(store.approvals, target, SETTINGS, T0);
    expect(record).toMatchObject({ repository: NGINX, digest: DIGEST_A, tag: '1.25', approvedBy: 'alice', imageCreatedAt: T0 - 1000, status: 'active' });
    expect(await store.approvals.list({ all: false, now: T0 })).toEqual([record]);
  });

  it('offline, takes the digest from the reference and asks no registry', async () => {
    expect(await resolveApprovalTarget(requireRef(`nginx@${DIGEST_A}`), null)).toEqual({
      repository: NGINX,
      digest: DIGEST_A,
      tag: null,
      resolved: null,
    });
  });

  it('offline, refuses a reference without digest', async () => {
    await expect(resolveApprovalTarget(requireRef('nginx:1.25'), null)).rejects.toThrow(
      new UsageError('cannot approve nginx:1.25: --offline needs a digest reference (repo@sha256:…)'),
    );
  });

  it('refuses when the registry serves another digest than the reference names', async () => {
    await expect(resolveApprovalTarget(requireRef(`nginx:1.25@${DIGEST_A}`), registryServing(DIGEST_B))).rejects.toThrow(
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

describe('revokeImage', () => {
  it('revokes and names the namespaces where the digest was admitted in the last 24 h', async () => {
    await approveImage(store.approvals, { repository: NGINX, digest: DIGEST_A, tag: null, resolved: null }, SETTINGS, T0);
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
