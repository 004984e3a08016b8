import type { RepoDigest, Scanner } from '../core/scan-report/scan-report';
import type { Finding, SeverityCounts } from '../core/types';

// Scans as the service layer sees them, whatever the engine (async: see approvals-repository.ts).

/** A registry digest a scan applies to, with its normalised repository. */
export type ScanTarget = RepoDigest;

export interface ImportScanInput {
  readonly scanner: Scanner;
  readonly scannerVersion: string | null;
  readonly artifact: string | null;
  /** When the scanner ran, from the report; null when the report has no date (import time is used). */
  readonly scannedAt: number | null;
  readonly findings: readonly Finding[];
  readonly targets: readonly ScanTarget[];
  readonly reportSha256: string;
  readonly by: string;
  readonly now: number;
}

export interface StoredScan {
  readonly id: number;
  readonly scanner: Scanner;
  readonly scannerVersion: string | null;
  readonly artifact: string | null;
  readonly scannedAt: number;
  /** `report` when dated by the scanner, `import` when the report had no date (SPEC §4 `scan-stale`). */
  readonly scannedAtSource: 'report' | 'import';
  readonly importedAt: number;
  readonly importedBy: string;
  readonly reportSha256: string;
  readonly counts: SeverityCounts;
}

/** One digest a stored scan applies to (`scan list`): a scan naming two digests is listed twice. */
export interface ListedScan extends StoredScan {
  readonly target: ScanTarget;
  /** This is the digest's newest scan, the one its verdict is judged by (see newestFor). */
  readonly newest: boolean;
}

export interface ListScansOptions {
  /** Only targets whose normalised repository matches this glob. */
  readonly repositoryGlob?: string;
}

export interface ScansRepository {
  /** Stores a scan with its targets and findings, in one transaction; returns the stored scan. */
  import(input: ImportScanInput): Promise<StoredScan>;
  /** The newest scan of a digest (by when the scanner ran, never later than its import; then import order), or null. */
  newestFor(digest: string): Promise<StoredScan | null>;
  /** Every stored scan per target, newest first (by the same date as newestFor, then import order) (`scan list`). */
  list(options: ListScansOptions): Promise<readonly ListedScan[]>;
  targets(scanId: number): Promise<readonly ScanTarget[]>;
  findings(scanId: number): Promise<readonly Finding[]>;
}
