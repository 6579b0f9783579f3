-- Outbox rows stay inline and uncompressed up to a page (8160 bytes). A row carries the events of
-- one commit (`payload.batch`): 1.3-3.0 KB of JSON per item of bench/engine (a), so most rows
-- passed the 2 KB toast threshold and PostgreSQL compressed them with pglz on insert and
-- decompressed them for the relay, for rows deleted milliseconds later: 5.6 % (compress) and
-- 1.3 % (decompress) of PostgreSQL's CPU under bench/engine (a) at 50 clients (perf).
ALTER TABLE "executions"."outbox" SET (toast_tuple_target = 8160);
