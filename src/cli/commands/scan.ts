import type { Command } from 'commander';
import { parseImageRef } from '../../core/image-ref';
import type { Scanner } from '../../core/scan-report/scan-report';
import { SEVERITIES, type SeverityCounts } from '../../core/types';
import { UsageError } from '../../errors';
import { importScan, prepareScanImport } from '../../service/import-scan';
import { type ScanDetails, showScan as readScan } from '../../service/show-scan';
import type { ScanTarget, StoredScan } from '../../store/scans-repository';
import type { CliContext } from '../context';
import { addFormatOptions, formatTable, isoTime } from '../output';
import { inputName, readInputFile } from '../read-input-file';
import { withStore } from '../with-store';
import { type ScanListOptions, listScans } from './scan-list';

// `scan import FILE|- [--format trivy|grype] [--image REF]`, `scan list` and `scan show REF [--json]` (SPEC §7).

interface ImportOptions {
  readonly format?: string;
  readonly image?: string;
  readonly by?: string;
}

interface ShowOptions {
  readonly json?: boolean;
}

/** Real reports of large images are tens of MiB; anything far beyond is not a scan report. */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

const BARE_DIGEST = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

export function registerScan(program: Command, ctx: CliContext): void {
  const scan = program.command('scan').description('vulnerability scan reports (Trivy, Grype)');
  scan
    .command('import')
    .description('import a Trivy (JSON, schema 2) or Grype (JSON) report')
    .argument('<file>', 'the report; - reads stdin')
    .option('--format <format>', 'trivy or grype (default: detected)')
    .option('--image <ref>', 'the digest scanned (repo@sha256:…), when the report names none or another one')
    .option('--by <name>', 'who imports (env IMAGE_REVIEWER_ACTOR; default: OS user)')
    .action(async (file: string, options: ImportOptions) => importReport(ctx, file, options));
  const list = scan
    .command('list')
    .description('stored scans, newest first, one line per digest; DECIDES marks the scan each digest is judged by')
    .option('--repository <glob>', 'only repositories matching GLOB (registry.corp.example/payments/*)');
  addFormatOptions(list).action(async (options: ScanListOptions) => listScans(ctx, options));
  scan
    .command('show')
    .description('the newest scan of a digest: counts per severity and findings')
    .argument('<ref>', 'repo@sha256:… or sha256:…')
    .option('--json', 'print JSON')
    .action(async (ref: string, options: ShowOptions) => showScan(ctx, ref, options));
}

async function importReport(ctx: CliContext, file: string, options: ImportOptions): Promise<void> {
  const format = scannerFormat(options.format);
  const image = options.image === undefined ? null : digestRef(options.image, '--image');
  const bytes = await readInputFile(ctx, file, { maxBytes: MAX_REPORT_BYTES, what: 'a scan report' });
  const request = { source: inputName(file), bytes, format, image, by: ctx.actor(options.by), now: ctx.now() };
  const { input, warnings } = prepareScanImport(request);
  for (const warning of warnings) ctx.err(`warning: ${warning}`);
  const { scan, superseded } = await withStore(ctx, 'read-write', (store) => importScan(store.scans, input));
  ctx.out(describeImport(scan, input.targets));
  for (const { target, newest } of superseded) ctx.out(olderScanNote(target, newest));
}

function scannerFormat(format: string | undefined): Scanner | undefined {
  if (format === undefined || format === 'trivy' || format === 'grype') return format;
  throw new UsageError(`--format must be trivy or grype, got ${JSON.stringify(format)}`);
}

function digestRef(text: string, flag: string, forms = 'repo@sha256:…'): ScanTarget {
  const parsed = parseImageRef(text);
  if (!parsed.ok) throw new UsageError(`${flag}: invalid image reference ${JSON.stringify(text)}: ${parsed.error}`);
  if (parsed.ref.digest === null) throw new UsageError(`${flag} needs a digest reference (${forms}), got ${text}`);
  return { repository: parsed.ref.repository, digest: parsed.ref.digest };
}

function describeImport(scan: StoredScan, targets: readonly ScanTarget[]): string {
  const what = targets.map((t) => `${t.repository}@${t.digest}`).join(', ');
  const when =
    scan.scannedAtSource === 'report'
      ? `scanned ${isoTime(scan.scannedAt)}`
      : `undated report: dated by import time ${isoTime(scan.scannedAt)}`;
  return `imported ${scan.scanner} scan of ${what} (${when}): ${describeCounts(scan.counts)}`;
}

/** An imported report older than the digest's newest scan is kept (it is history) but decides nothing. */
function olderScanNote(target: ScanTarget, newest: StoredScan): string {
  return (
    `not the newest scan of ${target.repository}@${target.digest}: scan ${newest.id} (scanned ${isoTime(newest.scannedAt)}) ` +
    'still decides, so this report does not change its verdict'
  );
}

export function describeCounts(counts: SeverityCounts): string {
  return SEVERITIES.map((s) => `${s} ${counts[s]}`).join(', ');
}

async function showScan(ctx: CliContext, text: string, options: ShowOptions): Promise<void> {
  const digest = BARE_DIGEST.test(text) ? text : digestRef(text, 'scan show', 'repo@sha256:… or sha256:…').digest;
  const details = await withStore(ctx, 'read-only', (store) => readScan(store.scans, digest));
  if (options.json === true) ctx.out(JSON.stringify(scanJson(digest, details)));
  else printScan(ctx, digest, details);
}

/** SPEC §7 `scan show --json` shape; more fields may be added. */
function scanJson(digest: string, { scan, targets, findings }: ScanDetails) {
  return {
    digest,
    scanner: scan.scanner,
    scannerVersion: scan.scannerVersion,
    scannedAt: isoTime(scan.scannedAt),
    scannedAtSource: scan.scannedAtSource,
    importedAt: isoTime(scan.importedAt),
    importedBy: scan.importedBy,
    repositories: targets.filter((t) => t.digest === digest).map((t) => t.repository),
    counts: { ...scan.counts },
    findings: findings.map((f) => ({
      id: f.id,
      package: f.package,
      installed: f.installed,
      fixed: f.fixed,
      severity: f.severity,
    })),
  };
}

function printScan(ctx: CliContext, digest: string, { scan, findings }: ScanDetails): void {
  const version = scan.scannerVersion === null ? '' : ` ${scan.scannerVersion}`;
  const dated = scan.scannedAtSource === 'report' ? '' : ' (import time: the report has no date)';
  ctx.out(`${digest}: ${scan.scanner}${version} scan of ${isoTime(scan.scannedAt)}${dated}`);
  ctx.out(describeCounts(scan.counts));
  if (findings.length === 0) return;
  ctx.out('');
  ctx.out(
    formatTable(
      ['ID', 'PACKAGE', 'INSTALLED', 'FIXED', 'SEVERITY'],
      findings.map((f) => [f.id, f.package, f.installed, f.fixed ?? '-', f.severity]),
    ),
  );
}
