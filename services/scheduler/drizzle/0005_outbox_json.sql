-- The outbox holds each event as the JSON text it was written in: PostgreSQL no longer builds a
-- jsonb document for each of the two events per task, nor renders it back to text for the relay.
-- Rows left in the outbox keep their envelopes (jsonb converts to json).
ALTER TABLE "scheduler"."outbox" ALTER COLUMN "payload" SET DATA TYPE json;
