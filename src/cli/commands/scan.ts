import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Command } from 'commander';
import { parseImageRef } from '../../core/image-ref';
import { problemText } from '../../core/json-reader';
import { futureScanProblem } from '../../core/scan-report/future-scan-problem';
import { parseScanReport } from '../../core/scan-report/parse-scan-report';
import type { Scanner, ScanReport } from '../../core/scan-report/scan-report';
import { type Finding, SEVERITIES, type SeverityCounts } from '../../core/types';
import { InvalidInputError, NotFoundError, UsageError, errorMessage } from '../../errors';
import { openStore } from '../../store/open-database';
import { type ScanTarget, type StoredScan, importScan, newestScanFor, scanFindings, scanTargets } from '../../store/scans-repo';
import type { CliContext } from '../context';
import { formatTable, isoTime } from '../output';

// `scan import FILE [--format trivy|grype] [--image REF]` and `scan show REF [--json]` (SPEC §7).

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
    .argument('<file>', 'the report')
    .option('--format <format>', 'trivy or grype (default: detected)')
    .option('--image <ref>', 'the digest scanned (repo@sha256:…), when the report names none or another one')
    .option('--by <name>', 'who imports (env IMAGE_REVIEWER_ACTOR; default: OS user)')
    .action((file: string, options: ImportOptions) => importReport(ctx, file, options));
  scan
    .command('show')
    .description('the newest scan of a digest: counts per severity and findings')
    .argument('<ref>', 'repo@sha256:… or sha256:…')
    .option('--json', 'print JSON')
    .action((ref: string, options: ShowOptions) => showScan(ctx, ref, options));
}

function importReport(ctx: CliContext, file: string, options: ImportOptions): void {
  const format = scannerFormat(options.format);
  const image = options.image === undefined ? null : digestRef(options.image, '--image');
  const bytes = readReport(file);
  const parsed = parseScanReport(bytes.toString('utf8'), format);
  if (!parsed.ok) throw new InvalidInputError(`${file}: ${problemText(parsed)}`);
  const now = ctx.now();
  const future = futureScanProblem(parsed.value.scannedAt, now);
  if (future !== null) throw new InvalidInputError(`${file}: ${future}`);
  for (const warning of parsed.value.warnings) ctx.err(`warning: ${file}: ${warning}`);
  const targets = scanTargetsOf(ctx, file, parsed.value, image);
  const db = openStore(ctx.dbPath(), { migrate: 'apply' });
  try {
    const stored = importScan(db, {
      ...parsed.value,
      targets,
      reportSha256: createHash('sha256').update(bytes).digest('hex'),
      by: ctx.actor(options.by),
      now,
    });
    ctx.out(describeImport(stored, targets));
    for (const target of targets) {
      const newest = newestScanFor(db, target.digest);
      if (newest !== null && newest.id !== stored.id) ctx.out(olderScanNote(target, newest));
    }
  } finally {
    db.close();
  }
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

function readReport(file: string): Buffer {
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_REPORT_BYTES) {
      throw new InvalidInputError(`${file} is ${size} bytes, over the ${MAX_REPORT_BYTES}-byte limit for a scan report`);
    }
    return fs.readFileSync(file);
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    throw new InvalidInputError(`cannot read ${file}: ${errorMessage(err)}`);
  }
}

/**
 * The digests the scan applies to: `--image` when given, else the registry digests the report names
 * (SPEC §7: not Trivy's ImageID or Grype's manifestDigest, which are local digests no pod names).
 */
function scanTargetsOf(ctx: CliContext, file: string, report: ScanReport, image: ScanTarget | null): readonly ScanTarget[] {
  if (image !== null) {
    if (report.repoDigests.length > 0 && !report.repoDigests.some((d) => d.digest === image.digest)) {
      const named = report.repoDigests.map((d) => `${d.repository}@${d.digest}`).join(', ');
      ctx.err(`warning: --image ${image.digest} is not among the digests the report names (${named}); recording --image`);
    }
    return [image];
  }
  if (report.repoDigests.length === 0) {
    throw new InvalidInputError(
      `${file} names no registry digest (Trivy Metadata.RepoDigests / Grype source.target.repoDigests): pass --image repo@sha256:…`,
    );
  }
  return report.repoDigests;
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

function showScan(ctx: CliContext, text: string, options: ShowOptions): void {
  const digest = BARE_DIGEST.test(text) ? text : digestRef(text, 'scan show', 'repo@sha256:… or sha256:…').digest;
  const db = openStore(ctx.dbPath(), { migrate: 'apply' });
  try {
    const scan = newestScanFor(db, digest);
    if (scan === null) throw new NotFoundError(`no scan of ${digest} (import one with \`image-reviewer scan import\`)`);
    const findings = scanFindings(db, scan.id);
    const targets = scanTargets(db, scan.id);
    if (options.json === true) ctx.out(JSON.stringify(scanJson(digest, scan, targets, findings)));
    else printScan(ctx, digest, scan, findings);
  } finally {
    db.close();
  }
}

/** SPEC §7 `scan show --json` shape; more fields may be added. */
function scanJson(digest: string, scan: StoredScan, targets: readonly ScanTarget[], findings: readonly Finding[]) {
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

function printScan(ctx: CliContext, digest: string, scan: StoredScan, findings: readonly Finding[]): void {
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
