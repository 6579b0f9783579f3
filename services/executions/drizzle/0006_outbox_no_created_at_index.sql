-- No statement reads the outbox by `created_at` (the relay reads in id order, the status read
-- counts rows), and the index cost an entry per outbox row inserted (3 per execution of
-- bench/engine (a)), in a table whose rows live for milliseconds.
DROP INDEX IF EXISTS "executions"."outbox_created_at_idx";
