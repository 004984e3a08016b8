-- image-reviewer store, version 9: rollups for the dashboard's overview and `audit stats` (issue 15, SPEC §11: every
-- page under 200 ms on the 10,000,000-decision store). Applied in one transaction by src/store/migrate.ts.
-- Like `decision_counts` (0002) each is kept exact by triggers, in the transaction that writes the decision, and
-- `audit verify` compares each with what the decisions give.

-- `decision_counts` per UTC day (`day` = time / 86400000): a 30-day window summed about 140,000 hourly rows (75 ms
-- at 1,000,000 decisions, bench/RESULTS.md); by day it is 30 × the groups of a day. The hours at the edges of a
-- range still come from `decision_counts` (src/store/audit-stats.ts).
CREATE TABLE decision_day_counts (
  day         INTEGER NOT NULL,
  namespace   TEXT    NOT NULL,
  mode        TEXT    NOT NULL,
  allowed     INTEGER NOT NULL,
  break_glass INTEGER NOT NULL,
  n           INTEGER NOT NULL,
  PRIMARY KEY (day, namespace, mode, allowed, break_glass)
) WITHOUT ROWID;

INSERT INTO decision_day_counts (day, namespace, mode, allowed, break_glass, n)
SELECT time / 86400000, namespace, mode, allowed, break_glass, count(*)
FROM decisions GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER decisions_day_count_ins AFTER INSERT ON decisions
BEGIN
  INSERT INTO decision_day_counts (day, namespace, mode, allowed, break_glass, n)
  VALUES (NEW.time / 86400000, NEW.namespace, NEW.mode, NEW.allowed, NEW.break_glass, 1)
  ON CONFLICT (day, namespace, mode, allowed, break_glass) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER decisions_day_count_del AFTER DELETE ON decisions
BEGIN
  UPDATE decision_day_counts SET n = n - 1
  WHERE day = OLD.time / 86400000 AND namespace = OLD.namespace AND mode = OLD.mode
    AND allowed = OLD.allowed AND break_glass = OLD.break_glass;
END;

CREATE TRIGGER decisions_day_count_upd AFTER UPDATE OF time, namespace, mode, allowed, break_glass ON decisions
BEGIN
  UPDATE decision_day_counts SET n = n - 1
  WHERE day = OLD.time / 86400000 AND namespace = OLD.namespace AND mode = OLD.mode
    AND allowed = OLD.allowed AND break_glass = OLD.break_glass;
  INSERT INTO decision_day_counts (day, namespace, mode, allowed, break_glass, n)
  VALUES (NEW.time / 86400000, NEW.namespace, NEW.mode, NEW.allowed, NEW.break_glass, 1)
  ON CONFLICT (day, namespace, mode, allowed, break_glass) DO UPDATE SET n = n + 1;
END;

-- Decisions per hour and outcome, each decision counted once: `denied`, `break-glass` (allowed by an override),
-- `would-deny` (a dry-run namespace's decision that enforce mode would have denied: allowed, with overridden
-- reasons) or `allowed`. The dashboard's chart (issue 15: allowed / denied / dry-run would-deny / break-glass);
-- `decision_counts` cannot tell a would-deny from an allow.
CREATE TABLE decision_outcomes (
  hour    INTEGER NOT NULL,
  outcome TEXT    NOT NULL CHECK (outcome IN ('allowed', 'denied', 'would-deny', 'break-glass')),
  n       INTEGER NOT NULL,
  PRIMARY KEY (hour, outcome)
) WITHOUT ROWID;

INSERT INTO decision_outcomes (hour, outcome, n)
SELECT time / 3600000,
       CASE WHEN allowed = 0 THEN 'denied' WHEN break_glass = 1 THEN 'break-glass'
            WHEN mode = 'dry-run' AND overridden IS NOT NULL THEN 'would-deny' ELSE 'allowed' END,
       count(*)
FROM decisions GROUP BY 1, 2;

CREATE TRIGGER decisions_outcome_ins AFTER INSERT ON decisions
BEGIN
  INSERT INTO decision_outcomes (hour, outcome, n)
  VALUES (NEW.time / 3600000,
          CASE WHEN NEW.allowed = 0 THEN 'denied' WHEN NEW.break_glass = 1 THEN 'break-glass'
               WHEN NEW.mode = 'dry-run' AND NEW.overridden IS NOT NULL THEN 'would-deny' ELSE 'allowed' END,
          1)
  ON CONFLICT (hour, outcome) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER decisions_outcome_del AFTER DELETE ON decisions
BEGIN
  UPDATE decision_outcomes SET n = n - 1
  WHERE hour = OLD.time / 3600000
    AND outcome = CASE WHEN OLD.allowed = 0 THEN 'denied' WHEN OLD.break_glass = 1 THEN 'break-glass'
                       WHEN OLD.mode = 'dry-run' AND OLD.overridden IS NOT NULL THEN 'would-deny' ELSE 'allowed' END;
END;

CREATE TRIGGER decisions_outcome_upd AFTER UPDATE OF time, mode, allowed, break_glass, overridden ON decisions
BEGIN
  UPDATE decision_outcomes SET n = n - 1
  WHERE hour = OLD.time / 3600000
    AND outcome = CASE WHEN OLD.allowed = 0 THEN 'denied' WHEN OLD.break_glass = 1 THEN 'break-glass'
                       WHEN OLD.mode = 'dry-run' AND OLD.overridden IS NOT NULL THEN 'would-deny' ELSE 'allowed' END;
  INSERT INTO decision_outcomes (hour, outcome, n)
  VALUES (NEW.time / 3600000,
          CASE WHEN NEW.allowed = 0 THEN 'denied' WHEN NEW.break_glass = 1 THEN 'break-glass'
               WHEN NEW.mode = 'dry-run' AND NEW.overridden IS NOT NULL THEN 'would-deny' ELSE 'allowed' END,
          1)
  ON CONFLICT (hour, outcome) DO UPDATE SET n = n + 1;
END;

-- `decision_reasons` per hour and reason code: `audit stats` counted every reason row of its window (grows with
-- the decisions: 10× at 10,000,000); from here it reads the whole hours, and only the partial first hour from
-- `decision_reasons`.
CREATE TABLE decision_reason_counts (
  hour   INTEGER NOT NULL,
  reason TEXT    NOT NULL,
  n      INTEGER NOT NULL,
  PRIMARY KEY (hour, reason)
) WITHOUT ROWID;

INSERT INTO decision_reason_counts (hour, reason, n)
SELECT time / 3600000, reason, count(*) FROM decision_reasons GROUP BY 1, 2;

CREATE TRIGGER decision_reasons_count_ins AFTER INSERT ON decision_reasons
BEGIN
  INSERT INTO decision_reason_counts (hour, reason, n) VALUES (NEW.time / 3600000, NEW.reason, 1)
  ON CONFLICT (hour, reason) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER decision_reasons_count_del AFTER DELETE ON decision_reasons
BEGIN
  UPDATE decision_reason_counts SET n = n - 1 WHERE hour = OLD.time / 3600000 AND reason = OLD.reason;
END;

CREATE TRIGGER decision_reasons_count_upd AFTER UPDATE OF time, reason ON decision_reasons
BEGIN
  UPDATE decision_reason_counts SET n = n - 1 WHERE hour = OLD.time / 3600000 AND reason = OLD.reason;
  INSERT INTO decision_reason_counts (hour, reason, n) VALUES (NEW.time / 3600000, NEW.reason, 1)
  ON CONFLICT (hour, reason) DO UPDATE SET n = n + 1;
END;

-- The Approvals page's `expiring` and `expired` sections read approvals by expiry time (src/store/sqlite/
-- find-approvals.ts): without an index they scanned every approval (63 ms at 100,000 approvals).
CREATE INDEX approvals_expires_at ON approvals (expires_at) WHERE expires_at IS NOT NULL;
-- The `revoked` section, newest revocation first.
CREATE INDEX approvals_revoked_at ON approvals (revoked_at) WHERE revoked_at IS NOT NULL;
