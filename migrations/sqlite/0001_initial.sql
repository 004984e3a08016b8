-- image-reviewer store, version 1 (SPEC §6).
-- Times are epoch milliseconds UTC. Applied in one transaction by src/store/migrate.ts.

-- Key/value settings of the store itself. `facts_generation` is bumped by triggers on every change
-- to the tables the review path reads, so the server's snapshot reader knows when its cache is stale
-- whoever wrote (the CLI, another process, a hand-run sqlite3).
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('facts_generation', 0);

-- Approvals: one row per approval act. The current approval of repository+digest is its newest row.
-- Rows are never deleted: revocation is recorded on the row (SPEC §6).
CREATE TABLE approvals (
  id               INTEGER PRIMARY KEY,
  repository       TEXT    NOT NULL,
  digest           TEXT    NOT NULL,
  tag              TEXT,
  approved_by      TEXT    NOT NULL,
  approved_at      INTEGER NOT NULL,
  reason           TEXT,
  expires_at       INTEGER,
  image_created_at INTEGER,
  revoked_at       INTEGER,
  revoked_by       TEXT,
  revoke_reason    TEXT
);
CREATE INDEX approvals_repository_digest ON approvals (repository, digest, id);
CREATE TRIGGER approvals_never_deleted BEFORE DELETE ON approvals
BEGIN
  SELECT RAISE(ABORT, 'approvals are never deleted: revoke instead');
END;

-- Scans: one row per imported report; the digests it applies to are in scan_targets.
CREATE TABLE scans (
  id                INTEGER PRIMARY KEY,
  scanner           TEXT    NOT NULL CHECK (scanner IN ('trivy', 'grype')),
  scanner_version   TEXT,
  artifact          TEXT,
  scanned_at        INTEGER NOT NULL,
  scanned_at_source TEXT    NOT NULL CHECK (scanned_at_source IN ('report', 'import')),
  imported_at       INTEGER NOT NULL,
  imported_by       TEXT    NOT NULL,
  report_sha256     TEXT    NOT NULL,
  critical          INTEGER NOT NULL,
  high              INTEGER NOT NULL,
  medium            INTEGER NOT NULL,
  low               INTEGER NOT NULL,
  unknown           INTEGER NOT NULL
);
CREATE TABLE scan_targets (
  digest     TEXT    NOT NULL,
  scan_id    INTEGER NOT NULL REFERENCES scans (id),
  repository TEXT    NOT NULL,
  PRIMARY KEY (digest, scan_id, repository)
) WITHOUT ROWID;
CREATE TABLE findings (
  scan_id   INTEGER NOT NULL REFERENCES scans (id),
  vuln_id   TEXT    NOT NULL,
  package   TEXT    NOT NULL,
  installed TEXT    NOT NULL,
  fixed     TEXT,
  severity  TEXT    NOT NULL CHECK (severity IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'))
);
CREATE INDEX findings_scan ON findings (scan_id);

-- CVE exceptions; removal is recorded, not deleted.
CREATE TABLE cve_exceptions (
  id         INTEGER PRIMARY KEY,
  vuln_id    TEXT    NOT NULL,
  repository TEXT,
  expires_at INTEGER NOT NULL,
  reason     TEXT    NOT NULL,
  created_by TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  removed_at INTEGER,
  removed_by TEXT
);

-- Break-glass grants (`break-glass grant`), used when breakGlass.requireGrant.
CREATE TABLE break_glass_grants (
  id         INTEGER PRIMARY KEY,
  namespace  TEXT    NOT NULL,
  ticket     TEXT    NOT NULL,
  expires_at INTEGER NOT NULL,
  granted_by TEXT    NOT NULL,
  granted_at INTEGER NOT NULL,
  reason     TEXT,
  revoked_at INTEGER,
  revoked_by TEXT
);

-- Every change made through the CLI, with actor and time (SPEC §6).
CREATE TABLE change_log (
  id      INTEGER PRIMARY KEY,
  time    INTEGER NOT NULL,
  actor   TEXT    NOT NULL,
  action  TEXT    NOT NULL,
  subject TEXT    NOT NULL,
  details TEXT
);

CREATE TRIGGER approvals_ins AFTER INSERT ON approvals BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER approvals_upd AFTER UPDATE ON approvals BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER scans_ins AFTER INSERT ON scans BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER scan_targets_ins AFTER INSERT ON scan_targets BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER cve_exceptions_ins AFTER INSERT ON cve_exceptions BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER cve_exceptions_upd AFTER UPDATE ON cve_exceptions BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER grants_ins AFTER INSERT ON break_glass_grants BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER grants_upd AFTER UPDATE ON break_glass_grants BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
-- Changes that the CLI does not make (scan rows are append-only, exceptions and grants are revoked, not
-- deleted) still bump the generation, so a hand-made change never leaves the server with stale facts.
CREATE TRIGGER scans_upd AFTER UPDATE ON scans BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER scans_del AFTER DELETE ON scans BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER scan_targets_upd AFTER UPDATE ON scan_targets BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER scan_targets_del AFTER DELETE ON scan_targets BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER findings_ins AFTER INSERT ON findings BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER findings_upd AFTER UPDATE ON findings BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER findings_del AFTER DELETE ON findings BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER cve_exceptions_del AFTER DELETE ON cve_exceptions BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;
CREATE TRIGGER grants_del AFTER DELETE ON break_glass_grants BEGIN UPDATE meta SET value = value + 1 WHERE key = 'facts_generation'; END;

-- Audit trail (SPEC §6). Policies and image strings are interned so a decision costs few bytes.
CREATE TABLE policies (
  id         INTEGER PRIMARY KEY,
  hash       TEXT    NOT NULL UNIQUE,
  source     TEXT    NOT NULL,
  first_used INTEGER NOT NULL
);
-- Interned by (image, repository, digest), not by the image string alone: in `tags: resolve` mode the same
-- tag reference resolves to different digests over time.
CREATE TABLE image_refs (
  id         INTEGER PRIMARY KEY,
  image      TEXT NOT NULL,
  repository TEXT,
  digest     TEXT
);
CREATE UNIQUE INDEX image_refs_key ON image_refs (image, ifnull(repository, ''), ifnull(digest, ''));
CREATE INDEX image_refs_repository ON image_refs (repository);

-- One row per review. `hash` = sha256(previous row's hash || canonical form of this row and its images),
-- so editing or deleting a row breaks the chain (`audit verify`).
CREATE TABLE decisions (
  id          INTEGER PRIMARY KEY,
  time        INTEGER NOT NULL,
  namespace   TEXT    NOT NULL,
  allowed     INTEGER NOT NULL,
  mode        TEXT    NOT NULL,
  break_glass INTEGER NOT NULL,
  ticket      TEXT,
  reason      TEXT    NOT NULL,
  overridden  TEXT,
  policy_id   INTEGER NOT NULL REFERENCES policies (id),
  user        TEXT,
  latency_us  INTEGER NOT NULL,
  hash        BLOB    NOT NULL
);
CREATE INDEX decisions_time ON decisions (time);
CREATE INDEX decisions_namespace_time ON decisions (namespace, time);
CREATE INDEX decisions_break_glass ON decisions (time) WHERE break_glass = 1;
CREATE INDEX decisions_denied ON decisions (time) WHERE allowed = 0;

-- One row per image of a review; `reasons` holds the reason codes, comma-separated ('' when none).
-- `time` repeats the decision's time so that `audit --image` reads one image's decisions newest first
-- from the index alone (it is not part of the hash chain: the decision's own time is).
CREATE TABLE decision_images (
  decision_id INTEGER NOT NULL,
  idx         INTEGER NOT NULL,
  image_id    INTEGER NOT NULL REFERENCES image_refs (id),
  allowed     INTEGER NOT NULL,
  reasons     TEXT    NOT NULL,
  time        INTEGER NOT NULL,
  PRIMARY KEY (decision_id, idx)
) WITHOUT ROWID;
CREATE INDEX decision_images_image ON decision_images (image_id, time, decision_id);

-- Reason index for `audit --reason`: one row per (reason code, decision) that has it, in decision-time
-- order so that a rare reason is found without scanning every decision.
CREATE TABLE decision_reasons (
  reason      TEXT    NOT NULL,
  time        INTEGER NOT NULL,
  decision_id INTEGER NOT NULL,
  PRIMARY KEY (reason, time, decision_id)
) WITHOUT ROWID;

-- The newest decision id and hash, so deleting the last rows is detected too.
CREATE TABLE audit_head (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  decision_id INTEGER NOT NULL,
  hash        BLOB    NOT NULL
);
