-- image-reviewer store, version 6: registry-driven intake (SPEC §2 `/events/harbor`, `/events/registry`; §7
-- `approvals pending`). Applied in one transaction by src/store/migrate.ts.

-- One row per registry event that changed something image-reviewer keeps: a manifest push, a Harbor scan outcome,
-- an artifact deletion. Events that change nothing (pulls, blob pushes, registries outside the policy) are counted
-- and logged, not stored. Rows are never updated nor deleted; each is also in the change log (SPEC §6).
--   event_key    the event's identity for idempotence (src/core/events/event-key.ts): a redelivered event has the
--                same key and is not stored twice (both senders retry).
--   kind         push | delete | scan-completed | scan-failed | scan-stopped
--   outcome      what image-reviewer did with it: pending, auto-approved, already-approved, approval-kept
--                (a revoked or expired digest is never re-approved by a push, SPEC §4), scan-stored,
--                scan-not-stored, recorded
CREATE TABLE registry_events (
  id          INTEGER PRIMARY KEY,
  source      TEXT    NOT NULL CHECK (source IN ('harbor', 'registry')),
  event_key   TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  kind        TEXT    NOT NULL CHECK (kind IN ('push', 'delete', 'scan-completed', 'scan-failed', 'scan-stopped')),
  repository  TEXT    NOT NULL,
  digest      TEXT    NOT NULL,
  tag         TEXT,
  actor       TEXT,
  occurred_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  outcome     TEXT    NOT NULL,
  detail      TEXT
);
CREATE UNIQUE INDEX registry_events_key ON registry_events (source, event_key);
-- Pending digests are derived (the newest push or delete of a digest is a push, and it has no approval row), so
-- `approve` clears one without touching this table.
CREATE INDEX registry_events_digest ON registry_events (repository, digest, id) WHERE kind IN ('push', 'delete');
CREATE TRIGGER registry_events_never_changed BEFORE UPDATE ON registry_events
BEGIN
  SELECT RAISE(ABORT, 'registry events are never rewritten');
END;
CREATE TRIGGER registry_events_never_deleted BEFORE DELETE ON registry_events
BEGIN
  SELECT RAISE(ABORT, 'registry events are never deleted');
END;
