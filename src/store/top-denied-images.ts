import type Database from 'better-sqlite3';

// The images most often denied in a time range (the dashboard's overview, issue 15). No rollup holds per-image
// counts, so the newest denied decisions of the range are read through the partial index `decisions_denied`, at most
// `maxDecisions` of them: the page stays fast on any store (SPEC §11: < 200 ms) and says when the cap was reached.

export interface TopDeniedImagesQuery {
  /** Epoch ms, inclusive. */
  readonly since: number;
  /** Epoch ms, exclusive. */
  readonly until: number;
  readonly limit: number;
  readonly maxDecisions: number;
}

export interface TopDeniedImages {
  readonly images: readonly { readonly image: string; readonly denials: number }[];
  /** Denied decisions read; equal to maxDecisions when the range holds more (the counts cover the newest only). */
  readonly decisionsRead: number;
  readonly capped: boolean;
}

export function topDeniedImages(db: Database.Database, query: TopDeniedImagesQuery): TopDeniedImages {
  const newest = `SELECT id FROM decisions INDEXED BY decisions_denied WHERE allowed = 0 AND time >= ? AND time < ?
                  ORDER BY time DESC LIMIT ?`;
  const decisionsRead =
    db.prepare<[number, number, number], { n: number }>(`SELECT count(*) AS n FROM (${newest})`).get(query.since, query.until, query.maxDecisions)
      ?.n ?? 0;
  const images = db
    .prepare<[number, number, number, number], { image: string; denials: number }>(
      `SELECT r.image AS image, count(*) AS denials
       FROM (${newest}) d
       CROSS JOIN decision_images di ON di.decision_id = d.id
       JOIN image_refs r ON r.id = di.image_id
       WHERE di.allowed = 0
       GROUP BY di.image_id ORDER BY denials DESC, r.image LIMIT ?`,
    )
    .all(query.since, query.until, query.maxDecisions, query.limit);
  return { images, decisionsRead, capped: decisionsRead >= query.maxDecisions };
}
