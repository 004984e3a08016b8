import type Database from 'better-sqlite3';

// SQLite's decision rollups (migrations 0002, 0009) recounted from the decisions, as those migrations first filled
// them. Since migration 0010 the audit writer counts what it commits (audit-batch.ts) and no trigger counts inserts,
// so whatever else inserts decisions in bulk (`store copy`, the bench's seed) recounts them here, in its own
// transaction.
const REBUILD = `
DELETE FROM decision_counts;
INSERT INTO decision_counts (hour, namespace, mode, allowed, break_glass, n)
SELECT time / 3600000, namespace, mode, allowed, break_glass, count(*) FROM decisions GROUP BY 1, 2, 3, 4, 5;
DELETE FROM decision_day_counts;
INSERT INTO decision_day_counts (day, namespace, mode, allowed, break_glass, n)
SELECT time / 86400000, namespace, mode, allowed, break_glass, count(*) FROM decisions GROUP BY 1, 2, 3, 4, 5;
DELETE FROM decision_outcomes;
INSERT INTO decision_outcomes (hour, outcome, n)
SELECT time / 3600000,
       CASE WHEN allowed = 0 THEN 'denied' WHEN break_glass = 1 THEN 'break-glass'
            WHEN mode = 'dry-run' AND overridden IS NOT NULL THEN 'would-deny' ELSE 'allowed' END,
       count(*)
FROM decisions GROUP BY 1, 2;
DELETE FROM decision_reason_counts;
INSERT INTO decision_reason_counts (hour, reason, n)
SELECT time / 3600000, reason, count(*) FROM decision_reasons GROUP BY 1, 2;
`;

export function rebuildDecisionRollups(db: Database.Database): void {
  db.exec(REBUILD);
}
