-- image-reviewer store, version 3: what `/validate` (ValidatingAdmissionWebhook, SPEC §2) records beyond an
-- ImageReview. Applied in one transaction by src/store/migrate.ts.

-- The requesting user's groups (`request.userInfo.groups`), a JSON array of strings; NULL for ImageReview
-- decisions, which never say who asked. The user name already has its column (`decisions.user`).
ALTER TABLE decisions ADD COLUMN groups TEXT;

-- An image of an UPDATE that the old object already ran: recorded, not judged (allowed = 1, reasons '').
ALTER TABLE decision_images ADD COLUMN unchanged INTEGER NOT NULL DEFAULT 0;

-- `audit --user NAME`, newest first, without reading the decisions of everyone else. Partial: ImageReview
-- decisions (user NULL) cost the index nothing; `user = ?` implies `user IS NOT NULL`, so SQLite uses it.
CREATE INDEX decisions_user_time ON decisions (user, time) WHERE user IS NOT NULL;
