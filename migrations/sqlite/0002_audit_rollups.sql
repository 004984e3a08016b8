-- image-reviewer store, version 2: what `audit stats` and `audit --image GLOB` need at scale (SPEC §11:
-- under 100 ms with 10,000,000 decisions). Applied in one transaction by src/store/migrate.ts.

-- Decisions counted per hour and per stats dimension. `audit stats --since 24h` grouped 333,000 decision
-- rows through a sort (0.7 s); from these rows it reads the whole hours, and only the partial first hour
-- from `decisions` itself (src/store/audit-stats.ts). `hour` = time / 3600000 (times are epoch ms ≥ 0, so
-- integer division is the floor). Kept exact by triggers, including for hand edits and deletions, which
-- `audit verify` reports separately.
CREATE TABLE decision_counts (
  hour        INTEGER NOT NULL,
  namespace   TEXT    NOT NULL,
  mode        TEXT    NOT NULL,
  allowed     INTEGER NOT NULL,
  break_glass INTEGER NOT NULL,
  n           INTEGER NOT NULL,
  PRIMARY KEY (hour, namespace, mode, allowed, break_glass)
) WITHOUT ROWID;

INSERT INTO decision_counts (hour, namespace, mode, allowed, break_glass, n)
SELECT time / 3600000, namespace, mode, allowed, break_glass, count(*)
FROM decisions GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER decisions_count_ins AFTER INSERT ON decisions
BEGIN
  INSERT INTO decision_counts (hour, namespace, mode, allowed, break_glass, n)
  VALUES (NEW.time / 3600000, NEW.namespace, NEW.mode, NEW.allowed, NEW.break_glass, 1)
  ON CONFLICT (hour, namespace, mode, allowed, break_glass) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER decisions_count_del AFTER DELETE ON decisions
BEGIN
  UPDATE decision_counts SET n = n - 1
  WHERE hour = OLD.time / 3600000 AND namespace = OLD.namespace AND mode = OLD.mode
    AND allowed = OLD.allowed AND break_glass = OLD.break_glass;
END;

CREATE TRIGGER decisions_count_upd AFTER UPDATE OF time, namespace, mode, allowed, break_glass ON decisions
BEGIN
  UPDATE decision_counts SET n = n - 1
  WHERE hour = OLD.time / 3600000 AND namespace = OLD.namespace AND mode = OLD.mode
    AND allowed = OLD.allowed AND break_glass = OLD.break_glass;
  INSERT INTO decision_counts (hour, namespace, mode, allowed, break_glass, n)
  VALUES (NEW.time / 3600000, NEW.namespace, NEW.mode, NEW.allowed, NEW.break_glass, 1)
  ON CONFLICT (hour, namespace, mode, allowed, break_glass) DO UPDATE SET n = n + 1;
END;
