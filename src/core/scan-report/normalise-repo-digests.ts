// The registry manifest digests a report names (SPEC §7 `scan import`): Trivy Metadata.RepoDigests and
// Grype source.target.repoDigests hold `<familiar repo>@sha256:…` as the local engine recorded them
// (`alpine@sha256:…`), so each is normalised like a pod's image (`docker.io/library/alpine`) to match
// the approvals' keys.
import { parseImageRef } from '../image-ref';
import type { RepoDigest } from './scan-report';

/**
 * Entries that do not parse, carry no digest, or have a digest we do not accept (the hand-made
 * `sha256:test` of a DefectDojo fixture) are skipped rather than failing the import: the scan is
 * still valid for the other digests, or for `--image`. Duplicates are dropped, first order kept.
 */
export function normaliseRepoDigests(entries: readonly string[]): readonly RepoDigest[] {
  const seen = new Set<string>();
  const digests: RepoDigest[] = [];
  for (const entry of entries) {
    const parsed = parseImageRef(entry);
    if (!parsed.ok || parsed.ref.digest === null) continue;
    const { repository, digest } = parsed.ref;
    const key = `${repository}@${digest}`;
    if (seen.has(key)) continue;
    seen.add(key);
    digests.push({ repository, digest });
  }
  return digests;
}
