import { SEVERITIES } from '../../core/types';
import type { ListedScan } from '../../store/scans-repository';
import type { CliContext } from '../context';
import { type FormatFlags, type ListView, formatTable, isoTime, outputFormat, printList } from '../output';
import { withStore } from '../with-store';

// `scan list [--repository GLOB] [--json|--csv]` (SPEC §7): stored scans, newest first, one line per digest a scan
// applies to, marking the scan each digest is judged by.

export interface ScanListOptions extends FormatFlags {
  readonly repository?: string;
}

export async function listScans(ctx: CliContext, options: ScanListOptions): Promise<void> {
  const format = outputFormat(options);
  const scans = await withStore(ctx, 'read-only', (store) => store.scans.list({ repositoryGlob: options.repository }));
  printList(ctx, format, scans, SCANS_VIEW);
}

const SCANS_VIEW: ListView<ListedScan> = {
  table: (scans) =>
    scans.length === 0
      ? 'no scans (import one with `image-reviewer scan import`)'
      : formatTable(
          ['ID', 'REPOSITORY', 'DIGEST', 'SCANNER', 'SCANNED', ...SEVERITIES, 'DECIDES'],
          scans.map((s) => [s.id, s.target.repository, s.target.digest, scannerText(s), scannedText(s), ...SEVERITIES.map((v) => s.counts[v]),
            s.newest ? 'yes' : '-']),
        ),
  json: (s) => ({
    id: s.id,
    repository: s.target.repository,
    digest: s.target.digest,
    scanner: s.scanner,
    scannerVersion: s.scannerVersion,
    scannedAt: isoTime(s.scannedAt),
    scannedAtSource: s.scannedAtSource,
    importedAt: isoTime(s.importedAt),
    importedBy: s.importedBy,
    counts: { ...s.counts },
    newest: s.newest,
  }),
  csvHeaders: ['id', 'repository', 'digest', 'scanner', 'scannerVersion', 'scannedAt', 'scannedAtSource', 'importedAt', 'importedBy',
    ...SEVERITIES, 'newest'],
  csvRow: (s) => [s.id, s.target.repository, s.target.digest, s.scanner, s.scannerVersion, isoTime(s.scannedAt), s.scannedAtSource,
    isoTime(s.importedAt), s.importedBy, ...SEVERITIES.map((v) => s.counts[v]), s.newest],
};

function scannerText(s: ListedScan): string {
  return s.scannerVersion === null ? s.scanner : `${s.scanner} ${s.scannerVersion}`;
}

/** An undated report is dated by its import, which the table says (`scan-stale` judges it by that date). */
function scannedText(s: ListedScan): string {
  const when = isoTime(s.scannedAt) ?? '';
  return s.scannedAtSource === 'report' ? when : `${when} (import)`;
}
