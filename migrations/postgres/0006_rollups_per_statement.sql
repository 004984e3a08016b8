-- compatibility: expand
-- image-reviewer PostgreSQL store, version 6: the rollups (0001 `decision_counts`, 0003's three, per chain since 0005)
-- counted once per INSERT statement instead of once per row. A replica writes a batch of decisions in one statement;
-- its row triggers ran three upserts per decision and one per reason code, more than half of PostgreSQL's CPU per
-- review. Statement triggers read the statement's new rows (a transition table) and add each rollup row's count in
-- one upsert. The counts are the same: a decision is added to the row of its hour (day), dimensions and chain, a
-- reason code to the row of its hour, code and decision's chain. Deletes and updates (edits `audit verify` reports)
-- keep the row triggers of 0005, now fired only by them. Code of version 5 writes through these triggers unchanged.
DROP TRIGGER decisions_count ON decisions;
DROP TRIGGER decisions_day_count ON decisions;
DROP TRIGGER decisions_outcome ON decisions;
DROP TRIGGER decision_reasons_count ON decision_reasons;
CREATE TRIGGER decisions_count AFTER DELETE OR UPDATE OF time, namespace, mode, allowed, break_glass
  ON decisions FOR EACH ROW EXECUTE FUNCTION count_decision();
CREATE TRIGGER decisions_day_count AFTER DELETE OR UPDATE OF time, namespace, mode, allowed, break_glass
  ON decisions FOR EACH ROW EXECUTE FUNCTION count_decision_day();
CREATE TRIGGER decisions_outcome AFTER DELETE OR UPDATE OF time, mode, allowed, break_glass, overridden
  ON decisions FOR EACH ROW EXECUTE FUNCTION count_decision_outcome();
CREATE TRIGGER decision_reasons_count AFTER DELETE OR UPDATE OF time, reason
  ON decision_reasons FOR EACH ROW EXECUTE FUNCTION count_decision_reason();

CREATE FUNCTION count_decisions_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO decision_counts (hour, namespace, mode, allowed, break_glass, chain_id, n)
  SELECT div(time, 3600000), namespace, mode, allowed, break_glass, chain_id, count(*) FROM added GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (hour, namespace, mode, allowed, break_glass, chain_id) DO UPDATE SET n = decision_counts.n + excluded.n;
  INSERT INTO decision_day_counts (day, namespace, mode, allowed, break_glass, chain_id, n)
  SELECT div(time, 86400000), namespace, mode, allowed, break_glass, chain_id, count(*) FROM added GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (day, namespace, mode, allowed, break_glass, chain_id) DO UPDATE SET n = decision_day_counts.n + excluded.n;
  INSERT INTO decision_outcomes (hour, outcome, chain_id, n)
  SELECT div(time, 3600000), decision_outcome(allowed, break_glass, mode, overridden), chain_id, count(*) FROM added GROUP BY 1, 2, 3
  ON CONFLICT (hour, outcome, chain_id) DO UPDATE SET n = decision_outcomes.n + excluded.n;
  RETURN NULL;
END $$;
CREATE TRIGGER decisions_added_count AFTER INSERT ON decisions REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION count_decisions_added();

-- A reason row is counted under its decision's chain (written before it, in its batch), or chain 0 without one.
CREATE FUNCTION count_decision_reasons_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO decision_reason_counts (hour, reason, chain_id, n)
  SELECT div(r.time, 3600000), r.reason, coalesce(d.chain_id, 0), count(*)
  FROM added r LEFT JOIN decisions d ON d.id = r.decision_id GROUP BY 1, 2, 3
  ON CONFLICT (hour, reason, chain_id) DO UPDATE SET n = decision_reason_counts.n + excluded.n;
  RETURN NULL;
END $$;
CREATE TRIGGER decision_reasons_added_count AFTER INSERT ON decision_reasons REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION count_decision_reasons_added();
