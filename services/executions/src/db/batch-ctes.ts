/**
 * The `l` and `o` CTEs of a batch statement: every row of `source` carries `logs` and `ob` (its
 * outbox rows) as jsonb arrays, and `k` (the batch order, which keeps outbox rows in order).
 */
export function insertLogsAndOutboxCtes(source: string): string {
  return `l as (
       insert into logs (id, execution_id, step_id, node_id, level, message, data, time)
       select z.id, z.execution_id, z.step_id, z.node_id, z.level, z.message, z.data, z.time
       from ${source} cross join lateral jsonb_to_recordset(${source}.logs) as z(id uuid, execution_id uuid, step_id uuid, node_id text, level text, message text, data jsonb, time timestamptz)
     ), o as (
       insert into outbox (subject, payload)
       select r.subject, r.payload from ${source} cross join lateral jsonb_to_recordset(${source}.ob) as r(subject text, payload jsonb)
       order by ${source}.k
     )`;
}
