-- image-reviewer store, version 8: one audit chain per writer (SPEC §6: "with several writers each writer keeps its own
-- chain"; §7: a decision names its `writer`, and the `cluster` its deployment is set to). Applied in one transaction by
-- src/store/migrate.ts.
--
-- A writer is one `serve` process, named by `--writer-name` (default: the host name) within its `--cluster`. Each
-- appends to its own chain, so replicas sharing a store never serialise on one head row. A decision row carries its
-- chain (`chain_id`) and its position in it (`seq`, 1, 2, 3, … so a deleted row is a gap); its hash links to the
-- previous entry of the same chain, the first to the chain's own genesis, which hashes the writer's name and cluster
-- (src/store/writer-identity.ts), so a row moved to another chain, or a chain renamed, no longer verifies.
--
-- The decisions recorded before this migration stay as they were hashed: chain 1, with no writer (NULL), whose
-- entries are numbered by their ids (ids were assigned 1, 2, 3, … by the single writer) and whose genesis is 32 zero
-- bytes; `audit_head` becomes its head row. Its checkpoint name stays `decisions`, so earlier checkpoints still verify.
-- Chain 1 is created even when `audit_head` is missing, so no writer's chain ever takes its id: a decision without a
-- head to account for it is still reported by `audit verify`.

CREATE TABLE audit_chains (
  id      INTEGER PRIMARY KEY,
  writer  TEXT,
  cluster TEXT,
  -- Entries in the chain, and the hash of the newest (the genesis while empty). Never rebuilt by image-reviewer.
  count   INTEGER NOT NULL,
  hash    BLOB    NOT NULL,
  CHECK ((writer IS NULL) = (id = 1))
);
CREATE UNIQUE INDEX audit_chains_writer ON audit_chains (ifnull(cluster, ''), writer);

INSERT INTO audit_chains (id, writer, cluster, count, hash)
VALUES (1, NULL, NULL, ifnull((SELECT decision_id FROM audit_head WHERE id = 1), 0),
        ifnull((SELECT hash FROM audit_head WHERE id = 1), zeroblob(32)));
DROP TABLE audit_head;

-- Existing rows are chain 1's and keep `seq` NULL (their position is their id): no rewrite of a large table.
ALTER TABLE decisions ADD COLUMN chain_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE decisions ADD COLUMN seq INTEGER;
-- A writer's newest entry (its head check on every commit) and entry N of a chain (`audit verify --checkpoints`).
CREATE INDEX decisions_chain_seq ON decisions (chain_id, seq) WHERE seq IS NOT NULL;
