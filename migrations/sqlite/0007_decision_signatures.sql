-- image-reviewer store, version 7: the signature evidence each image's verdict rested on (SPEC §5 `signatures`,
-- §6). NULL when no `signatures` entry matched the image or nothing was found to record; otherwise JSON, one of
--   {"source":"approval","kind":"verified","signers":["release.pub"],"artifacts":["sha256:…"],"verifiedAt":1717000000000}
--   {"source":"approval","kind":"unsigned-allowed","by":"alice"}     (the approval's recorded --allow-unsigned)
--   {"source":"review","kind":"verified","signers":[…],"artifacts":[…],"verifiedAt":…}   (approves: true, at review)
--   {"source":"review","kind":"failed","error":"no signature found"}
-- A row with evidence is hashed in the `decision/v3` form (src/store/audit-hash.ts); rows written before this
-- migration keep their form and verify as they were hashed. Applied in one transaction by src/store/migrate.ts.
ALTER TABLE decision_images ADD COLUMN signature TEXT;
