import type { Finding } from '../core/types';
import { NotFoundError } from '../errors';
import type { ScansRepository, ScanTarget, StoredScan } from '../store/scans-repository';

export interface ScanDetails {
  readonly scan: StoredScan;
  readonly targets: readonly ScanTarget[];
  readonly findings: readonly Finding[];
}

/** The newest scan of a digest with its findings (SPEC §7 `scan show`); NotFoundError when there is none. */
export async function showScan(scans: ScansRepository, digest: string): Promise<ScanDetails> {
  const scan = await scans.newestFor(digest);
  if (scan === null) throw new NotFoundError(`no scan of ${digest} (import one with \`image-reviewer scan import\`)`);
  return { scan, targets: await scans.targets(scan.id), findings: await scans.findings(scan.id) };
}
