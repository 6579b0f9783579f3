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

export function cronIssues(expression: unknown, timezone: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const zoneOk = typeof timezone === 'string' && timezone.length <= 64 && isValidTimeZone(timezone);
  if (!zoneOk) issues.push({ path: 'config.timezone', message: 'an IANA time zone (e.g. Europe/Moscow, UTC)' });
  if (typeof expression !== 'string' || expression.length > 200 || expression.trim().split(/\s+/).length !== 5) {
    issues.push({ path: 'config.cron_expression', message: 'a standard 5-field cron expression (minute hour day month weekday)' });
    return issues;
  }
  try {
    const cron = cronOf(expression.trim(), zoneOk ? (timezone as string) : 'UTC');
    if (!cron.nextRun(new Date())) issues.push({ path: 'config.cron_expression', message: 'never fires' });
  } catch (error) {
    issues.push({ path: 'config.cron_expression', message: (error as Error).message.replace(/^CronPattern: /, '') });
  }
  return issues;
}

/** The first occurrence strictly after `after`, or null if the pattern never fires again. */
export function nextCronRun(expression: string, timezone: string, after: Date): Date | null {
  return cronOf(expression, timezone).nextRun(after);
}
