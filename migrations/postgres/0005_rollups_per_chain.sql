-- compatibility: expand
-- image-reviewer PostgreSQL store, version 5: the rollups (0001 `decision_counts`, 0003's three) counted per audit
-- chain, so replicas committing side by side never update the same rollup row. With one row per hour and outcome
-- shared by every replica, each replica's commit waited for the others' and two batches that touched two rows in
-- opposite orders deadlocked (a review answered 500). A chain is written by one replica at a time (its head row is
-- locked for the batch), so its rows are never contended. Every reader sums over keys already (hours, namespaces), and
-- now over chains too; code of version 4 reads the same sums. Counts made before this migration stay under chain 0.
ALTER TABLE decision_counts ADD COLUMN chain_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE decision_counts DROP CONSTRAINT decision_counts_pkey, ADD PRIMARY KEY (hour, namespace, mode, allowed, break_glass, chain_id);
ALTER TABLE decision_day_counts ADD COLUMN chain_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE decision_day_counts DROP CONSTRAINT decision_day_counts_pkey, ADD PRIMARY KEY (day, namespace, mode, allowed, break_glass, chain_id);
ALTER TABLE decision_outcomes ADD COLUMN chain_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE decision_outcomes DROP CONSTRAINT decision_outcomes_pkey, ADD PRIMARY KEY (hour, outcome, chain_id);
ALTER TABLE decision_reason_counts ADD COLUMN chain_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE decision_reason_counts DROP CONSTRAINT decision_reason_counts_pkey, ADD PRIMARY KEY (hour, reason, chain_id);

-- A decision removed or edited is taken off the row it was counted in; counts from before this migration are under
-- chain 0, so it is taken off there when its chain has no row (an edit `audit verify` reports either way).
CREATE OR REPLACE FUNCTION count_decision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE decision_counts SET n = n - 1
    WHERE hour = div(OLD.time, 3600000) AND namespace = OLD.namespace AND mode = OLD.mode
      AND allowed = OLD.allowed AND break_glass = OLD.break_glass
      AND chain_id = (SELECT max(c.chain_id) FROM decision_counts c WHERE c.hour = div(OLD.time, 3600000) AND c.namespace = OLD.namespace
                      AND c.mode = OLD.mode AND c.allowed = OLD.allowed AND c.break_glass = OLD.break_glass AND c.chain_id IN (OLD.chain_id, 0));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO decision_counts (hour, namespace, mode, allowed, break_glass, chain_id, n)
    VALUES (div(NEW.time, 3600000), NEW.namespace, NEW.mode, NEW.allowed, NEW.break_glass, NEW.chain_id, 1)
    ON CONFLICT (hour, namespace, mode, allowed, break_glass, chain_id) DO UPDATE SET n = decision_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION count_decision_day() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE decision_day_counts SET n = n - 1
    WHERE day = div(OLD.time, 86400000) AND namespace = OLD.namespace AND mode = OLD.mode
      AND allowed = OLD.allowed AND break_glass = OLD.break_glass
      AND chain_id = (SELECT max(c.chain_id) FROM decision_day_counts c WHERE c.day = div(OLD.time, 86400000) AND c.namespace = OLD.namespace
                      AND c.mode = OLD.mode AND c.allowed = OLD.allowed AND c.break_glass = OLD.break_glass AND c.chain_id IN (OLD.chain_id, 0));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO decision_day_counts (day, namespace, mode, allowed, break_glass, chain_id, n)
    VALUES (div(NEW.time, 86400000), NEW.namespace, NEW.mode, NEW.allowed, NEW.break_glass, NEW.chain_id, 1)
    ON CONFLICT (day, namespace, mode, allowed, break_glass, chain_id) DO UPDATE SET n = decision_day_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION count_decision_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE decision_outcomes SET n = n - 1
    WHERE hour = div(OLD.time, 3600000) AND outcome = decision_outcome(OLD.allowed, OLD.break_glass, OLD.mode, OLD.overridden)
      AND chain_id = (SELECT max(c.chain_id) FROM decision_outcomes c WHERE c.hour = div(OLD.time, 3600000)
                      AND c.outcome = decision_outcome(OLD.allowed, OLD.break_glass, OLD.mode, OLD.overridden) AND c.chain_id IN (OLD.chain_id, 0));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO decision_outcomes (hour, outcome, chain_id, n)
    VALUES (div(NEW.time, 3600000), decision_outcome(NEW.allowed, NEW.break_glass, NEW.mode, NEW.overridden), NEW.chain_id, 1)
    ON CONFLICT (hour, outcome, chain_id) DO UPDATE SET n = decision_outcomes.n + 1;
  END IF;
  RETURN NULL;
END $$;

-- `decision_reasons` rows name their decision, whose chain they are counted under (inserted after it, in its batch).
CREATE OR REPLACE FUNCTION count_decision_reason() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  chain BIGINT;
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    chain := coalesce((SELECT d.chain_id FROM decisions d WHERE d.id = OLD.decision_id), 0);
    UPDATE decision_reason_counts SET n = n - 1
    WHERE hour = div(OLD.time, 3600000) AND reason = OLD.reason
      AND chain_id = (SELECT max(c.chain_id) FROM decision_reason_counts c WHERE c.hour = div(OLD.time, 3600000) AND c.reason = OLD.reason
                      AND c.chain_id IN (chain, 0));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    chain := coalesce((SELECT d.chain_id FROM decisions d WHERE d.id = NEW.decision_id), 0);
    INSERT INTO decision_reason_counts (hour, reason, chain_id, n) VALUES (div(NEW.time, 3600000), NEW.reason, chain, 1)
    ON CONFLICT (hour, reason, chain_id) DO UPDATE SET n = decision_reason_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;
