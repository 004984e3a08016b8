import type Database from 'better-sqlite3';
import type { Finding } from '../../../src/core/types';
import { listChanges } from '../../../src/store/sqlite/change-log';
import { openStore } from '../../../src/store/open-database';
import { type TempDir, makeTempDir } from '../../helpers/temp-dir';
import type { ImportScanInput } from '../../../src/store/scans-repository';
import { countSeverities } from '../../../src/store/record-rows';
import { importScan, newestScanFor, scanFindings, scanTargets } from '../../../src/store/sqlite/scans-repo';

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

let dir: TempDir;
let db: Database.Database;

beforeEach(() => {
  dir = makeTempDir('scans-repo-');
  db = openStore(dir.file('store.db'), { migrate: 'apply' });
});

afterEach(() => {
  db.close();
  dir.cleanup();
});

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

function countRows(table: string): number {
  return db.prepare<[], { readonly n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? -1;
}

describe('importScan', () => {
  it('stores the scan, its targets and findings, with counts per severity and a change-log row', () => {
    const stored = importScan(db, input({ targets: [{ repository: ALPINE, digest: D1 }, { repository: 'corp.example/alpine', digest: D1 }] }));
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
    expect(scanTargets(db, 1)).toEqual([
      { repository: 'corp.example/alpine', digest: D1 },
      { repository: ALPINE, digest: D1 },
    ]);
    expect(countRows('findings')).toBe(4);
    expect(listChanges(db)).toEqual([
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

  it('dates a report without a date by its import time (SPEC §4 scan-stale)', () => {
    expect(importScan(db, input({ scannedAt: null }))).toMatchObject({ scannedAt: T0, scannedAtSource: 'import' });
  });

  it('stores a clean scan (no findings) with zero counts', () => {
    const stored = importScan(db, input({ findings: [] }));
    expect(stored.counts).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 });
    expect(scanFindings(db, stored.id)).toEqual([]);
  });

  it('keeps one target when the report names the same digest twice', () => {
    importScan(db, input({ targets: [{ repository: ALPINE, digest: D1 }, { repository: ALPINE, digest: D1 }] }));
    expect(countRows('scan_targets')).toBe(1);
  });

  it('writes nothing when the change log cannot be written (one transaction)', () => {
    db.exec('DROP TABLE change_log');
    expect(() => importScan(db, input())).toThrow(/no such table: change_log/);
    expect([countRows('scans'), countRows('scan_targets'), countRows('findings')]).toEqual([0, 0, 0]);
  });
});

describe('newestScanFor', () => {
  it('returns the scan that ran last, not the one imported last', () => {
    importScan(db, input({ scannedAt: T0 - DAY, reportSha256: 'newer' }));
    importScan(db, input({ scannedAt: T0 - 30 * DAY, reportSha256: 'older', now: T0 + 1 }));
    expect(newestScanFor(db, D1)).toMatchObject({ id: 1, reportSha256: 'newer' });
  });

  it('prefers the later import when two scans ran at the same time', () => {
    importScan(db, input({ reportSha256: 'first' }));
    importScan(db, input({ reportSha256: 'second' }));
    expect(newestScanFor(db, D1)?.reportSha256).toBe('second');
  });

  it('does not let a scan dated in the future (stored before import refused them) hide a later real one', () => {
    importScan(db, input({ scannedAt: Date.UTC(2099, 0, 1), reportSha256: 'future', now: T0 }));
    expect(newestScanFor(db, D1)?.reportSha256).toBe('future');
    importScan(db, input({ scannedAt: T0 + DAY, reportSha256: 'real', now: T0 + DAY + 60_000 }));
    expect(newestScanFor(db, D1)?.reportSha256).toBe('real');
  });

  it('returns null for a digest no scan applies to', () => {
    importScan(db, input());
    expect(newestScanFor(db, D2)).toBeNull();
  });
});

describe('scanFindings', () => {
  it('lists findings most severe first, then by ID and package', () => {
    const { id } = importScan(db, input());
    expect(scanFindings(db, id).map((f) => [f.severity, f.id, f.package, f.fixed])).toEqual([
      ['CRITICAL', 'CVE-2019-14697', 'musl', '1.1.20-r5'],
      ['CRITICAL', 'CVE-2019-14697', 'musl-utils', null],
      ['MEDIUM', 'CVE-2019-1549', 'libssl1.1', '1.1.1d-r0'],
      ['UNKNOWN', 'GHSA-xxxx', 'lib', null],
    ]);
  });
});

describe('countSeverities', () => {
  it('counts a CVE once per package (SPEC §7)', () => {
    expect(countSeverities(FINDINGS)).toEqual({ CRITICAL: 2, HIGH: 0, MEDIUM: 1, LOW: 0, UNKNOWN: 1 });
  });
});
