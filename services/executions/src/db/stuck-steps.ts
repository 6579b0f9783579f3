import type { Queryable } from '@conveyor/service-runtime';

/**
 * Ready, dispatched steps of running executions still pending after `olderThanMs`: their
 * dispatch may have been lost (a crash between commit and publish). Oldest first, bounded.
 */
export async function findStuckSteps(
  client: Queryable,
  olderThanMs: number,
  limit: number,
): Promise<Array<{ id: string; executionId: string; notBefore: Date | null }>> {
  const { rows } = await client.query<{ id: string; executionId: string; notBefore: Date | null }>(
    `select s.id, s.execution_id as "executionId", s.not_before as "notBefore" from steps s
     join executions e on e.id = s.execution_id and e.status = 'running'
     where s.status = 'pending' and s.ready and s.dispatched and s.created_at < now() - make_interval(secs => $1::double precision / 1000)
     order by s.created_at limit $2`,
    [olderThanMs, limit],
  );
  return rows;
}
