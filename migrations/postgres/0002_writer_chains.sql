-- compatibility: expand
-- image-reviewer PostgreSQL store, version 2: SQLite's migrations 0007 (the signature evidence of each image's verdict)
-- and 0008 (one audit chain per writer), with the same columns and meanings; see those files for the forms. Only
-- additions: `audit_head` stays (no longer read; its content becomes chain 1's head), so code of version 1 keeps
-- working on this schema. Applied by `image-reviewer migrate` in one transaction under the advisory lock.

-- SQLite 0007: NULL, or the JSON evidence; a row with evidence is hashed in the `decision/v3` form.
ALTER TABLE decision_images ADD COLUMN signature TEXT;

-- SQLite 0008: one chain per writer (`serve --writer-name` within its `--cluster`). Chain 1 holds the decisions
-- recorded before writers were (no writer; entries numbered by id; genesis 32 zero bytes), its head taken from
-- `audit_head`; it is created even without one, so no writer's chain takes its id.
CREATE TABLE audit_chains (
  id      BIGINT PRIMARY KEY,
  writer  TEXT COLLATE "C",
  cluster TEXT COLLATE "C",
  count   BIGINT NOT NULL,
  hash    BYTEA  NOT NULL,
  CHECK ((writer IS NULL) = (id = 1))
);
CREATE UNIQUE INDEX audit_chains_writer ON audit_chains (coalesce(cluster, ''), writer);
INSERT INTO audit_chains (id, writer, cluster, count, hash)
VALUES (1, NULL, NULL, coalesce((SELECT decision_id FROM audit_head WHERE id = 1), 0),
        coalesce((SELECT hash FROM audit_head WHERE id = 1), '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea));

-- Existing rows are chain 1's and keep `seq` NULL (their position is their id).
ALTER TABLE decisions ADD COLUMN chain_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE decisions ADD COLUMN seq BIGINT;
CREATE INDEX decisions_chain_seq ON decisions (chain_id, seq) WHERE seq IS NOT NULL;
