import type Database from 'better-sqlite3';
import type { AdmittedImage } from '../audit-repository';

/**
 * Every distinct (namespace, image) that an allowed decision since `since` names, for `recheck --since` (SPEC §7):
 * what may be running now because the reviewer let it in. The (time) index bounds the read to the window.
 */
export function admittedImagesSince(db: Database.Database, since: number): readonly AdmittedImage[] {
  return db
    .prepare<[number], AdmittedImage>(
      `SELECT d.namespace AS namespace, r.image AS image, max(d.id) AS decisionId
       FROM decisions d
       JOIN decision_images di ON di.decision_id = d.id
       JOIN image_refs r ON r.id = di.image_id
       WHERE d.time >= ? AND d.allowed = 1
       GROUP BY d.namespace, r.image
       ORDER BY d.namespace, r.image`,
    )
    .all(since);
}
