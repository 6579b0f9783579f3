import type pg from 'pg';

/**
 * Due times (epoch ms) of pending tasks and of enabled triggers up to `until`, for the in-memory
 * timer. Distinct times only: 10,000 tasks due in the same millisecond are one timer.
 * Reservations a dead replica never published are not among them: the poll claims those itself
 * (`claimStaleReservations`) once their grace deadline has passed.
 */
export async function upcomingDueTimes(db: Pick<pg.Pool, 'query'>, until: Date, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ due: string }>(
    `(select distinct (extract(epoch from due_at) * 1000)::bigint as due from scheduler.tasks where status = 'pending' and due_at <= $1 order by 1 limit $2)
     union
     (select distinct (extract(epoch from next_run) * 1000)::bigint from scheduler.triggers where enabled and next_run <= $1 order by 1 limit $2)`,
    [until, limit],
  );
  return rows.map((r) => Number(r.due));
}
