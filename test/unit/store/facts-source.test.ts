import { DIGEST_A, DIGEST_B } from '../../helpers/decision-record';
import { ENGINES, useEngineStore } from '../../helpers/store-engines';

// What a replica's facts cache reads from each engine (FactsSource): the same facts for the same store, and a
// generation that moves with every change the review path can see, whoever made it.

const API = 'registry.corp.example/payments/api';
const NOW = 1_700_000_000_000;

describe.each(ENGINES)('facts source on %s', (engine) => {
  const s = useEngineStore(engine);

  it('reads approvals, scans, exceptions and grants as the review path needs them, the generation moving with each change', async () => {
    const source = s.factsSource();
    const generations = [await source.generation()];
    await s.store.approvals.approve({ repository: API, digest: DIGEST_A, tag: '1.0.0', by: 'alice', reason: 'ok', expiresAt: null, imageCreatedAt: NOW - 1000, signature: null, now: NOW });
    generations.push(await source.generation());
    await s.store.scans.import({
      scanner: 'trivy',
      scannerVersion: '0.58.1',
      artifact: 'api:1.0.0',
      scannedAt: NOW - 500,
      findings: [
        { id: 'CVE-2', package: 'b', installed: '1', fixed: null, severity: 'LOW' },
        { id: 'CVE-1', package: 'a', installed: '1', fixed: '2', severity: 'HIGH' },
      ],
      targets: [{ repository: API, digest: DIGEST_A }],
      reportSha256: 'f'.repeat(64),
      by: 'alice',
      now: NOW,
    });
    generations.push(await source.generation());
    await s.store.exceptions.add({ vulnerabilityId: 'CVE-1', repository: null, expiresAt: NOW + 1000, reason: 'r', by: 'bob', now: NOW });
    await s.store.grants.grant({ namespace: 'prod', ticket: 'INC-1', expiresAt: NOW + 1000, reason: null, by: 'bob', now: NOW });
    generations.push(await source.generation());
    expect(new Set(generations).size).toBe(generations.length);
    expect(generations).toEqual([...generations].sort((a, b) => a - b));

    expect(await source.image({ repository: API, digest: DIGEST_A })).toEqual({
      approval: expect.objectContaining({ repository: API, digest: DIGEST_A, tag: '1.0.0', approvedBy: 'alice', imageCreatedAt: NOW - 1000, revokedAt: null }),
      scan: {
        digest: DIGEST_A,
        scanner: 'trivy',
        scannedAt: NOW - 500,
        // In the report's order, as stored.
        findings: [
          { id: 'CVE-2', package: 'b', installed: '1', fixed: null, severity: 'LOW' },
          { id: 'CVE-1', package: 'a', installed: '1', fixed: '2', severity: 'HIGH' },
        ],
      },
    });
    expect(await source.image({ repository: API, digest: DIGEST_B })).toEqual({ approval: null, scan: null });
    expect(await source.exceptions()).toEqual([{ id: 1, vulnerabilityId: 'CVE-1', repository: null, expiresAt: NOW + 1000, reason: 'r' }]);
    expect(await source.grants()).toEqual([{ id: 1, namespace: 'prod', ticket: 'INC-1', expiresAt: NOW + 1000, revokedAt: null }]);
  });

  it('sees a change made by hand too (the generation is kept by the schema, not by image-reviewer)', async () => {
    const source = s.factsSource();
    await s.store.approvals.approve({ repository: API, digest: DIGEST_A, tag: null, by: 'alice', reason: null, expiresAt: null, imageCreatedAt: null, signature: null, now: NOW });
    const before = await source.generation();
    await s.sql(`UPDATE approvals SET expires_at = ${NOW} WHERE id = 1`);
    expect(await source.generation()).toBeGreaterThan(before);
    expect((await source.image({ repository: API, digest: DIGEST_A })).approval?.expiresAt).toBe(NOW);
  });
});
