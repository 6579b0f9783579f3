import type pg from 'pg';

/**
 * Due times (epoch ms) of pending tasks, of reservations a dead replica never published (their
 * `due_at` is the grace deadline after which another replica re-publishes them) and of enabled
 * triggers up to `until`, for the in-memory timer. Without the reservations, a replica restarted
 * after a crash had nothing to wake it for them and they stayed `processing` for good. Distinct
 * times only: 10,000 tasks due in the same millisecond are one timer.
 */
export async function upcomingDueTimes(db: Pick<pg.Pool, 'query'>, until: Date, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ due: string }>(
    `(select distinct (extract(epoch from due_at) * 1000)::bigint as due from scheduler.tasks where (status = 'pending' or (status = 'processing' and not dispatched)) and due_at <= $1 order by 1 limit $2)
     union
     (select distinct (extract(epoch from next_run) * 1000)::bigint from scheduler.triggers where enabled and next_run <= $1 order by 1 limit $2)`,
    [until, limit],
  );
  return rows.map((r) => Number(r.due));
}
