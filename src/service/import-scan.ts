import { createHash } from 'node:crypto';
import { problemText } from '../core/json-reader';
import { futureScanProblem } from '../core/scan-report/future-scan-problem';
import { parseScanReport } from '../core/scan-report/parse-scan-report';
import type { ParsedReport, Scanner, ScanReport } from '../core/scan-report/scan-report';
import { InvalidInputError } from '../errors';
import type { ImportScanInput, ScansRepository, ScanTarget, StoredScan } from '../store/scans-repository';

// Importing a scan report (SPEC §7 `scan import`): parsed and checked by `prepareScanImport` before any store is
// opened (a bad report touches no store), then stored by `importScan`.

export interface ImportScanRequest {
  /** Names the report in messages (the file, for the CLI). */
  readonly source: string;
  readonly bytes: Buffer;
  /** Detected when undefined. */
  readonly format: Scanner | undefined;
  /** The digest the person says was scanned (`--image`), or null to take the report's own. */
  readonly image: ScanTarget | null;
  readonly by: string;
  readonly now: number;
}

export interface PreparedScan {
  readonly input: ImportScanInput;
  /** What is recorded anyway but worth saying: the reader's remarks on the report, `image` not named by it. */
  readonly warnings: readonly string[];
}

/** An older report is kept (it is history) but decides nothing: the digest's newest scan still does. */
export interface SupersededTarget {
  readonly target: ScanTarget;
  readonly newest: StoredScan;
}

export interface ImportedScan {
  readonly scan: StoredScan;
  readonly superseded: readonly SupersededTarget[];
}

/** The report parsed and its targets chosen; InvalidInputError when it is not a report, is dated in the future or names no digest. */
export function prepareScanImport(request: ImportScanRequest): PreparedScan {
  return prepareParsedScan(parseScanReport(request.bytes.toString('utf8'), request.format), request);
}

/**
 * A report already read (a Trivy or Grype file, or Harbor's report from a registry event) checked and prepared the
 * one way `scan import` does: never dated in the future, its targets chosen, the bytes' sha256 kept.
 */
export function prepareParsedScan(parsed: ParsedReport, request: Omit<ImportScanRequest, 'format'>): PreparedScan {
  const { source } = request;
  if (!parsed.ok) throw new InvalidInputError(`${source}: ${problemText(parsed)}`);
  const future = futureScanProblem(parsed.value.scannedAt, request.now);
  if (future !== null) throw new InvalidInputError(`${source}: ${future}`);
  const { targets, warning } = chooseScanTargets(source, parsed.value, request.image);
  const input = {
    ...parsed.value,
    targets,
    reportSha256: createHash('sha256').update(request.bytes).digest('hex'),
    by: request.by,
    now: request.now,
  };
  const warnings = parsed.value.warnings.map((w) => `${source}: ${w}`);
  return { input, warnings: warning === null ? warnings : [...warnings, warning] };
}

/** Stores a prepared scan; names each target for which an earlier-imported scan is newer and so still decides. */
export async function importScan(scans: ScansRepository, input: ImportScanInput): Promise<ImportedScan> {
  const scan = await scans.import(input);
  const superseded: SupersededTarget[] = [];
  for (const target of input.targets) {
    const newest = await scans.newestFor(target.digest);
    if (newest !== null && newest.id !== scan.id) superseded.push({ target, newest });
  }
  return { scan, superseded };
}

/**
 * The digests the scan applies to: `image` when given, else the registry digests the report names
 * (SPEC §7: not Trivy's ImageID or Grype's manifestDigest, which are local digests no pod names).
 */
export function chooseScanTargets(
  source: string,
  report: ScanReport,
  image: ScanTarget | null,
): { readonly targets: readonly ScanTarget[]; readonly warning: string | null } {
  if (image !== null) {
    if (report.repoDigests.length > 0 && !report.repoDigests.some((d) => d.digest === image.digest)) {
      const named = report.repoDigests.map((d) => `${d.repository}@${d.digest}`).join(', ');
      return { targets: [image], warning: `--image ${image.digest} is not among the digests the report names (${named}); recording --image` };
    }
    return { targets: [image], warning: null };
  }
  if (report.repoDigests.length === 0) {
    throw new InvalidInputError(
      `${source} names no registry digest (Trivy Metadata.RepoDigests / Grype source.target.repoDigests): pass --image repo@sha256:…`,
    );
  }
  return { targets: report.repoDigests, warning: null };
}
