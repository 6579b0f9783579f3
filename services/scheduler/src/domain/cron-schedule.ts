import { Cron } from 'croner';
import type { FieldIssue } from './task-input';

/**
 * Standard 5-field cron (minute hour day-of-month month day-of-week), evaluated by croner in an
 * IANA time zone. Day-of-month and day-of-week combine with OR, as in Vixie cron. Nicknames
 * (`@daily`) and 6/7-field patterns with seconds or years are refused: they are not portable.
 */
function cronOf(expression: string, timezone: string): Cron {
  return new Cron(expression, { timezone, paused: true, mode: '5-part', domAndDow: false });
}

export function isValidTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

export function timeZoneIssue(timezone: unknown): FieldIssue | null {
  const zoneOk = typeof timezone === 'string' && timezone.length <= 64 && isValidTimeZone(timezone);
  return zoneOk ? null : { path: 'config.timezone', message: 'an IANA time zone (e.g. Europe/Moscow, UTC)' };
}

/** What is wrong with a cron expression, evaluated in a valid `timezone`; null when nothing. */
export function cronExpressionIssue(expression: unknown, timezone: string): FieldIssue | null {
  const path = 'config.cron_expression';
  if (typeof expression !== 'string' || expression.length > 200 || expression.trim().split(/\s+/).length !== 5) {
    return { path, message: 'a standard 5-field cron expression (minute hour day month weekday)' };
  }
  try {
    return cronOf(expression.trim(), timezone).nextRun(new Date()) ? null : { path, message: 'never fires' };
  } catch (error) {
    return { path, message: (error as Error).message.replace(/^CronPattern: /, '') };
  }
}

export function cronIssues(expression: unknown, timezone: unknown): FieldIssue[] {
  const zoneIssue = timeZoneIssue(timezone);
  const expressionIssue = cronExpressionIssue(expression, zoneIssue ? 'UTC' : (timezone as string));
  return [zoneIssue, expressionIssue].filter((issue): issue is FieldIssue => issue !== null);
}

/** The first occurrence strictly after `after`, or null if the pattern never fires again. */
export function nextCronRun(expression: string, timezone: string, after: Date): Date | null {
  return cronOf(expression, timezone).nextRun(after);
}
