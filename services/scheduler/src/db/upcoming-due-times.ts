import type pg from 'pg';
import { namedStatement, withValues } from './named-statement';

const upcoming = namedStatement(
  'upcoming_due_times',
  `(select distinct (extract(epoch from due_at) * 1000)::bigint as due, false as trigger from scheduler.tasks where status = 'pending' and due_at <= $1 order by 1 limit $2)
   union all
   (select distinct (extract(epoch from next_run) * 1000)::bigint, true from scheduler.triggers where enabled and next_run <= $1 order by 1 limit $2)`,
);

export interface UpcomingDueTimes {
  tasks: number[];
  triggers: number[];
}

/**
 * Due times (epoch ms) of pending tasks and of enabled triggers' next runs up to `until`, apart,
 * for the in-memory timer. Distinct times only: 10,000 tasks due in the same millisecond are one
 * timer.
 * Reservations a dead replica never published are not among them: the poll claims those itself
 * (`claimStaleReservations`) once their grace deadline has passed.
 */
export async function upcomingDueTimes(db: Pick<pg.Pool, 'query'>, until: Date, limit: number): Promise<UpcomingDueTimes> {
  const { rows } = await db.query<{ due: string; trigger: boolean }>(withValues(upcoming, [until, limit]));
  const times: UpcomingDueTimes = { tasks: [], triggers: [] };
  for (const row of rows) (row.trigger ? times.triggers : times.tasks).push(Number(row.due));
  return times;
}
