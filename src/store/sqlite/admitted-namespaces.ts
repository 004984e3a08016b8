import type Database from 'better-sqlite3';

/**
 * Namespaces where a pod with this repository+digest was admitted since `sinceMs`, from the audit trail.
 * Used by `revoke` to warn that those pods' updates will now be denied (SPEC §2).
 */
export function admittedNamespaces(
  db: Database.Database,
  repository: string,
  digest: string,
  sinceMs: number,
): readonly string[] {
  return db
    .prepare<[string, string, number], { readonly namespace: string }>(
      `SELECT DISTINCT d.namespace AS namespace
       FROM image_refs r
       JOIN decision_images di ON di.image_id = r.id
       JOIN decisions d ON d.id = di.decision_id
       WHERE r.repository = ? AND r.digest = ? AND d.allowed = 1 AND d.time >= ?
       ORDER BY d.namespace`,
    )
    .all(repository, digest, sinceMs)
    .map((row) => row.namespace);
}

