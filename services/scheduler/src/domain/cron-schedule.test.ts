import { describe, expect, it } from 'vitest';
import { cronIssues, nextCronRun } from './cron-schedule';

describe('cron schedule', () => {
  it('computes the next run in the trigger time zone', () => {
    expect(nextCronRun('0 2 * * *', 'UTC', new Date('2025-10-02T10:50:00Z'))?.toISOString()).toBe('2025-10-03T02:00:00.000Z');
    expect(nextCronRun('0 2 * * *', 'Europe/Moscow', new Date('2025-10-02T10:50:00Z'))?.toISOString()).toBe('2025-10-02T23:00:00.000Z');
  });

  it('accepts standard expressions', () => {
    expect(cronIssues('*/5 9-17 * * 1-5', 'America/New_York')).toEqual([]);
  });

  it.each([
    ['61 * * * *', 'UTC'],
    ['* * * * * *', 'UTC'],
    ['@daily', 'UTC'],
    ['not cron', 'UTC'],
    ['0 2 * * *', 'Mars/Olympus'],
    [42, 'UTC'],
  ])('rejects %j in %j', (expression, zone) => {
    expect(cronIssues(expression, zone).length).toBeGreaterThan(0);
  });
});
