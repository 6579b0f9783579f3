-- No statement reads the outbox by `created_at` (the relay reads in id order, the status read
-- counts rows), and the index cost an entry per event row inserted, in a table whose rows live for
-- milliseconds.
DROP INDEX IF EXISTS "catalog"."outbox_created_at_idx";
