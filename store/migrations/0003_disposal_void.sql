-- A disposal entered by mistake can be voided like every other record
-- (voided=1, reason in the journal). Rows written before this migration keep
-- their journal payloads without the column; Verify accepts a column a later
-- migration added as long as the row still holds its default.
ALTER TABLE disposals ADD COLUMN voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0,1));
