import type { Finding } from '../../../src/core/types';
import type { ImportScanInput } from '../../../src/store/scans-repository';
import { countSeverities } from '../../../src/store/record-rows';
import { openStore } from '../../../src/store/open-database';
import { importScan as importSqliteScan } from '../../../src/store/sqlite/scans-repo';
import { ENGINES, useEngineStore } from '../../helpers/store-engines';
import { makeTempDir } from '../../helpers/temp-dir';

const ALPINE = 'docker.io/library/alpine';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const T0 = Date.UTC(2026, 0, 1);
const DAY = 24 * 3_600_000;

const FINDINGS: readonly Finding[] = [
  { id: 'CVE-2019-1549', package: 'libssl1.1', installed: '1.1.1b-r1', fixed: '1.1.1d-r0', severity: 'MEDIUM' },
  { id: 'CVE-2019-14697', package: 'musl', installed: '1.1.20-r4', fixed: '1.1.20-r5', severity: 'CRITICAL' },
  { id: 'CVE-2019-14697', package: 'musl-utils', installed: '1.1.20-r4', fixed: null, severity: 'CRITICAL' },
  { id: 'GHSA-xxxx', package: 'lib', installed: '1', fixed: null, severity: 'UNKNOWN' },
];

function input(overrides: Partial<ImportScanInput> = {}): ImportScanInput {
  return {
    scanner: 'trivy',
    scannerVersion: '0.58.1',
    artifact: 'alpine:3.9',
    scannedAt: T0 - DAY,
    findings: FINDINGS,
    targets: [{ repository: ALPINE, digest: D1 }],
    reportSha256: 'ab'.repeat(32),
    by: 'alice',
    now: T0,
    ...overrides,
  };
}

describe.each(ENGINES)('scans on %s', (engine) => {
  const s = useEngineStore(engine);
  const importScan = (scan: ImportScanInput) => s.store.scans.import(scan);
  const newestScanFor = (digest: string) => s.store.scans.newestFor(digest);
  const countRows = async (table: string) => Number((await s.sql(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

  describe('import', () => {
    it('stores the scan, its targets and findings, with counts per severity and a change-log row', async () => {
      const stored = await importScan(input({ targets: [{ repository: ALPINE, digest: D1 }, { repository: 'corp.example/alpine', digest: D1 }] }));
      expect(stored).toEqual({
        id: 1,
        scanner: 'trivy',
        scannerVersion: '0.58.1',
        artifact: 'alpine:3.9',
        scannedAt: T0 - DAY,
        scannedAtSource: 'report',
        importedAt: T0,
        importedBy: 'alice',
        reportSha256: 'ab'.repeat(32),
        counts: { CRITICAL: 2, HIGH: 0, MEDIUM: 1, LOW: 0, UNKNOWN: 1 },
      });
      expect(await s.store.scans.targets(1)).toEqual([
        { repository: 'corp.example/alpine', digest: D1 },
        { repository: ALPINE, digest: D1 },
      ]);
      expect(await countRows('findings')).toBe(4);
      expect(await s.changes()).toEqual([
        {
          id: 1,
          time: T0,
          actor: 'alice',
          action: 'scan-import',
          subject: 'scan:1',
          details: JSON.stringify({
            scanner: 'trivy',
            scannedAt: T0 - DAY,
            reportSha256: 'ab'.repeat(32),
            targets: [`${ALPINE}@${D1}`, `corp.example/alpine@${D1}`],
            counts: { CRITICAL: 2, HIGH: 0, MEDIUM: 1, LOW: 0, UNKNOWN: 1 },
          }),
        },
      ]);
    });

    it('dates a report without a date by its import time (SPEC §4 scan-stale)', async () => {
      expect(await importScan(input({ scannedAt: null }))).toMatchObject({ scannedAt: T0, scannedAtSource: 'import' });
    });

    it('stores a clean scan (no findings) with zero counts', async () => {
      const stored = await importScan(input({ findings: [] }));
      expect(stored.counts).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 });
      expect(await s.store.scans.findings(stored.id)).toEqual([]);
    });

    it('keeps one target when the report names the same digest twice', async () => {
      await importScan(input({ targets: [{ repository: ALPINE, digest: D1 }, { repository: ALPINE, digest: D1 }] }));
      expect(await countRows('scan_targets')).toBe(1);
    });

    // On SQLite the hand edit is made on a connection of its own: see 'hand edits on sqlite' below.
    if (engine === 'postgres') {
      it('writes nothing when the change log cannot be written (one transaction)', async () => {
        await s.sql('DROP TABLE change_log');
        await expect(importScan(input())).rejects.toThrow(/change_log/);
        expect([await countRows('scans'), await countRows('scan_targets'), await countRows('findings')]).toEqual([0, 0, 0]);
      });
    }
  });

  describe('newestFor', () => {
    it('returns the scan that ran last, not the one imported last', async () => {
      await importScan(input({ scannedAt: T0 - DAY, reportSha256: 'newer' }));
      await importScan(input({ scannedAt: T0 - 30 * DAY, reportSha256: 'older', now: T0 + 1 }));
      expect(await newestScanFor(D1)).toMatchObject({ id: 1, reportSha256: 'newer' });
    });

    it('prefers the later import when two scans ran at the same time', async () => {
      await importScan(input({ reportSha256: 'first' }));
      await importScan(input({ reportSha256: 'second' }));
      expect((await newestScanFor(D1))?.reportSha256).toBe('second');
    });

    it('does not let a scan dated in the future (stored before import refused them) hide a later real one', async () => {
      await importScan(input({ scannedAt: Date.UTC(2099, 0, 1), reportSha256: 'future', now: T0 }));
      expect((await newestScanFor(D1))?.reportSha256).toBe('future');
      await importScan(input({ scannedAt: T0 + DAY, reportSha256: 'real', now: T0 + DAY + 60_000 }));
      expect((await newestScanFor(D1))?.reportSha256).toBe('real');
    });

    it('returns null for a digest no scan applies to', async () => {
      await importScan(input());
      expect(await newestScanFor(D2)).toBeNull();
    });
  });

  describe('list', () => {
    it('lists every scan per target newest first, marking the scan each digest is judged by, filtered by repository', async () => {
      await importScan(input({ scannedAt: T0 - DAY, reportSha256: 'newer', targets: [{ repository: ALPINE, digest: D1 }, { repository: 'corp.example/app', digest: D2 }] }));
      await importScan(input({ scannedAt: T0 - 30 * DAY, reportSha256: 'older', now: T0 + 1 }));
      const listed = (repositoryGlob?: string) => s.store.scans.list({ repositoryGlob });
      expect((await listed()).map((l) => [l.reportSha256, l.target.repository, l.target.digest, l.newest])).toEqual([
        ['newer', 'corp.example/app', D2, true],
        ['newer', ALPINE, D1, true],
        ['older', ALPINE, D1, false],
      ]);
      expect((await listed('corp.example/*')).map((l) => [l.reportSha256, l.target.digest])).toEqual([['newer', D2]]);
      expect(await listed('nowhere/*')).toEqual([]);
    });
  });

  describe('findings', () => {
    it('lists findings most severe first, then by ID and package', async () => {
      const { id } = await importScan(input());
      expect((await s.store.scans.findings(id)).map((f) => [f.severity, f.id, f.package, f.fixed])).toEqual([
        ['CRITICAL', 'CVE-2019-14697', 'musl', '1.1.20-r5'],
        ['CRITICAL', 'CVE-2019-14697', 'musl-utils', null],
        ['MEDIUM', 'CVE-2019-1549', 'libssl1.1', '1.1.1d-r0'],
        ['UNKNOWN', 'GHSA-xxxx', 'lib', null],
      ]);
    });
  });
});

describe('hand edits on sqlite', () => {
  it('writes nothing when the change log cannot be written (one transaction)', () => {
    const dir = makeTempDir('scans-repo-');
    const db = openStore(dir.file('store.db'), { migrate: 'apply' });
    try {
      db.exec('DROP TABLE change_log');
      expect(() => importSqliteScan(db, input())).toThrow(/no such table: change_log/);
      const count = (table: string) => db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n;
      expect([count('scans'), count('scan_targets'), count('findings')]).toEqual([0, 0, 0]);
    } finally {
      db.close();
      dir.cleanup();
    }
  });
});

describe('countSeverities', () => {
  it('counts a CVE once per package (SPEC §7)', () => {
    expect(countSeverities(FINDINGS)).toEqual({ CRITICAL: 2, HIGH: 0, MEDIUM: 1, LOW: 0, UNKNOWN: 1 });
  });
});
