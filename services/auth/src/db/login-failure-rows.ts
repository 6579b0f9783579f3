import { sql } from 'drizzle-orm';
import type { AuthExecutor } from './database';
import { loginFailures } from './schema';

/** Seconds until the account's window ends when it is over `max` failures; `null` otherwise. */
export async function secondsUntilLoginAllowed(db: AuthExecutor, usernameKey: string, max: number, windowSeconds: number): Promise<number | null> {
  const result = await db.execute<{ retry: number }>(sql`
    select ceil(extract(epoch from (window_started_at + make_interval(secs => ${windowSeconds}) - now())))::int as retry
      from ${loginFailures}
     where username_key = ${usernameKey}
       and failures >= ${max}
       and window_started_at > now() - make_interval(secs => ${windowSeconds})`);
  const retry = result.rows[0]?.retry;
  return retry === undefined ? null : Math.max(1, retry);
}

/** Counts one failure in the current window (a new window once the old one has passed). */
export async function recordLoginFailure(db: AuthExecutor, usernameKey: string, windowSeconds: number): Promise<void> {
  await db.execute(sql`
    insert into ${loginFailures} (username_key, failures, window_started_at) values (${usernameKey}, 1, now())
    on conflict (username_key) do update set
      failures = case when login_failures.window_started_at > now() - make_interval(secs => ${windowSeconds}) then login_failures.failures + 1 else 1 end,
      window_started_at = case when login_failures.window_started_at > now() - make_interval(secs => ${windowSeconds}) then login_failures.window_started_at else now() end`);
}

export async function clearLoginFailures(db: AuthExecutor, usernameKey: string): Promise<void> {
  await db.execute(sql`delete from ${loginFailures} where username_key = ${usernameKey}`);
}
