-- Task events are written as one outbox row per statement (`{"batch": [...]}`, up to a claim's or
-- a report batch's worth of events, ~450 kB for 1,000). Such a value is compressed and stored out
-- of line; lz4 compresses it at a fraction of pglz's cost (bench/scheduler/probe-statements.ts:
-- claim 19.5 → 18.3 ms, report 19.5 → 17.8 ms per 1,000 tasks). A server built without lz4 keeps
-- the default (pglz): the events are the same either way.
DO $$
BEGIN
  ALTER TABLE "scheduler"."outbox" ALTER COLUMN "payload" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available: the outbox keeps the default compression';
END $$;
