import type { LogLevel } from '@conveyor/nodes';
import type { Queryable } from '@conveyor/service-runtime';

export interface LogRow {
  id: string;
  seq: number;
  executionId: string;
  stepId: string | null;
  nodeId: string | null;
  level: LogLevel;
  message: string;
  data: Record<string, unknown> | null;
  time: Date;
}

export type NewLog = Omit<LogRow, 'seq'>;

export async function insertLogs(client: Queryable, logs: NewLog[]): Promise<void> {
  if (logs.length === 0) return;
  await client.query(
    `insert into logs (id, execution_id, step_id, node_id, level, message, data, time)
     select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::timestamptz[])`,
    [
      logs.map((l) => l.id),
      logs.map((l) => l.executionId),
      logs.map((l) => l.stepId),
      logs.map((l) => l.nodeId),
      logs.map((l) => l.level),
      logs.map((l) => l.message),
      logs.map((l) => (l.data === null ? null : JSON.stringify(l.data))),
      logs.map((l) => l.time.toISOString()),
    ],
  );
}

export interface LogFilter {
  executionId: string;
  level?: LogLevel | undefined;
  /** A step id or a node id. */
  step?: string | undefined;
  limit: number;
  offset: number;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function listLogs(client: Queryable, f: LogFilter): Promise<{ items: LogRow[]; total: number }> {
  const stepId = f.step !== undefined && uuidPattern.test(f.step) ? f.step : null;
  const where = `execution_id = $1 and ($2::text is null or level = $2)
    and ($3::text is null or node_id = $3 or step_id = $4::uuid)`;
  const params = [f.executionId, f.level ?? null, f.step ?? null, stepId];
  const [items, count] = await Promise.all([
    client.query<LogRow>(
      `select id, seq, execution_id as "executionId", step_id as "stepId", node_id as "nodeId", level, message, data, time
       from logs where ${where} order by seq limit $5 offset $6`,
      [...params, f.limit, f.offset],
    ),
    client.query<{ total: number }>(`select count(*)::int as total from logs where ${where}`, params),
  ]);
  return { items: items.rows, total: count.rows[0]!.total };
}
