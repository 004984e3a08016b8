import { createHash } from 'node:crypto';
import { parseScanReport } from '../core/scan-report/parse-scan-report';
import type { Scanner, ScanReport } from '../core/scan-report/scan-report';
import { InvalidInputError } from '../errors';
import type { ImportScanInput, ScanTarget } from '../store/scans-repository';

// Importing a scan report (SPEC §7 `scan import`): parsed and checked here, before any store is opened (a bad
// report touches no store), then stored in one call with the input prepared (`ScansRepository.import`).

export interface ImportScanRequest {
  /** Names the report in error messages (the file, for the CLI). */
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
  /** Set when `image` is not among the digests the report names: recorded anyway, but worth saying. */
  readonly warning: string | null;
}

/** The report parsed and its targets chosen; InvalidInputError when it is not a report or names no digest. */
export function prepareScanImport(request: ImportScanRequest): PreparedScan {
  const parsed = parseScanReport(request.bytes.toString('utf8'), request.format);
  if (!parsed.ok) throw new InvalidInputError(`${request.source}: ${parsed.error}`);
  const { targets, warning } = chooseScanTargets(request.source, parsed.report, request.image);
  const input = {
    ...parsed.report,
    targets,
    reportSha256: createHash('sha256').update(request.bytes).digest('hex'),
    by: request.by,
    now: request.now,
  };
  return { input, warning };
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
