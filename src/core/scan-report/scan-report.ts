// The scanner-neutral result of reading a Trivy or Grype JSON report (SPEC §7 `scan import`).
import type { JsonRead } from '../json-reader';
import type { Finding } from '../types';

export type Scanner = 'trivy' | 'grype';

/** A registry manifest digest the report names, with its normalised repository (`docker.io/library/alpine`). */
export interface RepoDigest {
  readonly repository: string;
  readonly digest: string;
}

export interface ScanReport {
  readonly scanner: Scanner;
  readonly scannerVersion: string | null;
  /** What was scanned as the user typed it (Trivy ArtifactName, Grype source.target.userInput or the target string). */
  readonly artifact: string | null;
  /** When the scanner ran: Trivy `CreatedAt`, Grype `descriptor.timestamp`; null when absent or empty. */
  readonly scannedAt: number | null;
  /** Registry digests the report names, normalised: Trivy Metadata.RepoDigests, Grype source.target.repoDigests. */
  readonly repoDigests: readonly RepoDigest[];
  readonly findings: readonly Finding[];
  /** What the user should know about how the report was read (a severity counted as UNKNOWN), one line each. */
  readonly warnings: readonly string[];
}

export type ParsedReport = JsonRead<ScanReport>;
