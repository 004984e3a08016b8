-- compatibility: expand
-- image-reviewer PostgreSQL store, version 3: SQLite 0009's rollups for the dashboard's overview and `audit stats` (issue 15,
-- SPEC §11), kept by triggers in the transaction that writes the decision (whichever image-reviewer version writes
-- it: code of the previous schema keeps working, and keeps them exact), and checked by `audit verify`. Only adds.

-- `decision_counts` per UTC day (`day` = time / 86400000).
CREATE TABLE decision_day_counts (
  day         BIGINT   NOT NULL,
  namespace   TEXT COLLATE "C" NOT NULL,
  mode        TEXT COLLATE "C" NOT NULL,
  allowed     SMALLINT NOT NULL,
  break_glass SMALLINT NOT NULL,
  n           BIGINT   NOT NULL,
  PRIMARY KEY (day, namespace, mode, allowed, break_glass)
);

INSERT INTO decision_day_counts (day, namespace, mode, allowed, break_glass, n)
SELECT div(time, 86400000), namespace, mode, allowed, break_glass, count(*)
FROM decisions GROUP BY 1, 2, 3, 4, 5;

CREATE FUNCTION count_decision_day() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE decision_day_counts SET n = n - 1
    WHERE day = div(OLD.time, 86400000) AND namespace = OLD.namespace AND mode = OLD.mode
      AND allowed = OLD.allowed AND break_glass = OLD.break_glass;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO decision_day_counts (day, namespace, mode, allowed, break_glass, n)
    VALUES (div(NEW.time, 86400000), NEW.namespace, NEW.mode, NEW.allowed, NEW.break_glass, 1)
    ON CONFLICT (day, namespace, mode, allowed, break_glass) DO UPDATE SET n = decision_day_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER decisions_day_count AFTER INSERT OR DELETE OR UPDATE OF time, namespace, mode, allowed, break_glass
  ON decisions FOR EACH ROW EXECUTE FUNCTION count_decision_day();

-- Decisions per hour and outcome, each counted once: denied, break-glass, would-deny (dry-run, allowed with
-- overridden reasons) or allowed; the dashboard's chart.
CREATE FUNCTION decision_outcome(allowed SMALLINT, break_glass SMALLINT, mode TEXT, overridden TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN allowed = 0 THEN 'denied' WHEN break_glass = 1 THEN 'break-glass'
              WHEN mode = 'dry-run' AND overridden IS NOT NULL THEN 'would-deny' ELSE 'allowed' END
$$;

CREATE TABLE decision_outcomes (
  hour    BIGINT NOT NULL,
  outcome TEXT COLLATE "C" NOT NULL CHECK (outcome IN ('allowed', 'denied', 'would-deny', 'break-glass')),
  n       BIGINT NOT NULL,
  PRIMARY KEY (hour, outcome)
);

INSERT INTO decision_outcomes (hour, outcome, n)
SELECT div(time, 3600000), decision_outcome(allowed, break_glass, mode, overridden), count(*)
FROM decisions GROUP BY 1, 2;

CREATE FUNCTION count_decision_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE decision_outcomes SET n = n - 1
    WHERE hour = div(OLD.time, 3600000) AND outcome = decision_outcome(OLD.allowed, OLD.break_glass, OLD.mode, OLD.overridden);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO decision_outcomes (hour, outcome, n)
    VALUES (div(NEW.time, 3600000), decision_outcome(NEW.allowed, NEW.break_glass, NEW.mode, NEW.overridden), 1)
    ON CONFLICT (hour, outcome) DO UPDATE SET n = decision_outcomes.n + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER decisions_outcome AFTER INSERT OR DELETE OR UPDATE OF time, mode, allowed, break_glass, overridden
  ON decisions FOR EACH ROW EXECUTE FUNCTION count_decision_outcome();

-- `decision_reasons` per hour and reason code.
CREATE TABLE decision_reason_counts (
  hour   BIGINT NOT NULL,
  reason TEXT COLLATE "C" NOT NULL,
  n      BIGINT NOT NULL,
  PRIMARY KEY (hour, reason)
);

INSERT INTO decision_reason_counts (hour, reason, n)
SELECT div(time, 3600000), reason, count(*) FROM decision_reasons GROUP BY 1, 2;

CREATE FUNCTION count_decision_reason() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE decision_reason_counts SET n = n - 1 WHERE hour = div(OLD.time, 3600000) AND reason = OLD.reason;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO decision_reason_counts (hour, reason, n) VALUES (div(NEW.time, 3600000), NEW.reason, 1)
    ON CONFLICT (hour, reason) DO UPDATE SET n = decision_reason_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER decision_reasons_count AFTER INSERT OR DELETE OR UPDATE OF time, reason
  ON decision_reasons FOR EACH ROW EXECUTE FUNCTION count_decision_reason();

-- The Approvals page's `expiring`/`expired` and `revoked` sections.
CREATE INDEX approvals_expires_at ON approvals (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX approvals_revoked_at ON approvals (revoked_at) WHERE revoked_at IS NOT NULL;
