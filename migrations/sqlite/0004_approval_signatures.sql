-- image-reviewer store, version 4: the signature record of an approval (SPEC §5 `signatures`, §7 `approve`).
-- NULL when no `signatures` entry matched at approval. Otherwise JSON, one of
--   {"kind":"verified","signers":["release.pub"],"artifacts":["sha256:…"],"verifiedAt":1717000000000}
--   {"kind":"unsigned-allowed","by":"alice"}            (`approve --allow-unsigned`, the operator's recorded override)
-- Written with the approval row in the same transaction and, like it, never rewritten. Applied in one transaction
-- by src/store/migrate.ts.
ALTER TABLE approvals ADD COLUMN signature TEXT;
