-- image-reviewer store, version 10: the rollups of 0002 and 0009 counted once per group commit by the audit writer
-- instead of by row triggers. The insert triggers ran four upserts per decision (three for the decision, one per
-- reason code), a fifth of the audit writer's instructions per decision in a commit of twelve (bench/RESULTS.md); the
-- writer now adds each group of a commit's decisions in one upsert per rollup row, in the same transaction
-- (src/store/audit-batch.ts), and `store copy` recounts them from the copied decisions
-- (src/store/sqlite/rebuild-rollups.ts). The counts are the same.
-- The delete and update triggers go too: the rollups count what was committed, and a hand edit of `decisions` or
-- `decision_reasons` (which `audit verify` reports) no longer moves them, so that undoing the edit (re-inserting a
-- deleted reason row) restores a store that verifies. A store of this version is refused by older image-reviewers
-- (src/store/migrate.ts), whose inserts would no longer be counted.
DROP TRIGGER decisions_count_ins;
DROP TRIGGER decisions_count_del;
DROP TRIGGER decisions_count_upd;
DROP TRIGGER decisions_day_count_ins;
DROP TRIGGER decisions_day_count_del;
DROP TRIGGER decisions_day_count_upd;
DROP TRIGGER decisions_outcome_ins;
DROP TRIGGER decisions_outcome_del;
DROP TRIGGER decisions_outcome_upd;
DROP TRIGGER decision_reasons_count_ins;
DROP TRIGGER decision_reasons_count_del;
DROP TRIGGER decision_reasons_count_upd;
