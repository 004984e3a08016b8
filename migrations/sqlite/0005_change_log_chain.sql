-- image-reviewer store, version 5: the operator change log is hash-chained, like decisions (SPEC §6: "every operator
-- change … is in a hash-chained change log"). Applied in one transaction by src/store/migrate.ts.
--
-- `hash` = sha256(previous entry's hash || canonical entry), computed by `change_hash`, a SQL function that
-- image-reviewer registers on its connections (src/store/change-hash.ts; the first entry's previous hash is 32 zero
-- bytes). The entries a store already holds are chained here as found, in id order: the chain proves that nothing
-- changed after this migration, not what happened before it. `change_log_head` names the newest entry, so deleting
-- the newest entries is detected too; like `audit_head` it is never rebuilt by image-reviewer itself.

ALTER TABLE change_log ADD COLUMN hash BLOB;

CREATE TEMP TABLE change_chain AS
WITH RECURSIVE chain (n, id, hash) AS (
  SELECT 0, 0, zeroblob(32)
  UNION ALL
  SELECT chain.n + 1, c.id, change_hash(chain.hash, c.id, c.time, c.actor, c.action, c.subject, c.details)
  FROM chain JOIN change_log c ON c.id = (SELECT min(id) FROM change_log WHERE id > chain.id)
)
SELECT id, hash FROM chain WHERE n > 0;

UPDATE change_log SET hash = (SELECT hash FROM change_chain WHERE change_chain.id = change_log.id);

CREATE TABLE change_log_head (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  change_id INTEGER NOT NULL,
  hash      BLOB    NOT NULL
);
INSERT INTO change_log_head (id, change_id, hash)
SELECT 1, ifnull(max(id), 0), ifnull((SELECT hash FROM change_chain ORDER BY id DESC LIMIT 1), zeroblob(32))
FROM change_chain;

DROP TABLE change_chain;

-- Entries are only ever appended (src/store/sqlite/change-log.ts).
CREATE TRIGGER change_log_never_deleted BEFORE DELETE ON change_log
BEGIN
  SELECT RAISE(ABORT, 'the change log is never deleted');
END;
CREATE TRIGGER change_log_never_rewritten BEFORE UPDATE ON change_log
BEGIN
  SELECT RAISE(ABORT, 'the change log is never rewritten');
END;
