import { describe, expect, it } from 'vitest';
import { cronProblem } from './cron-expression';

describe('cronProblem', () => {
  it('accepts what the scheduler reads', () => {
    for (const expression of ['* * * * *', '*/5 * * * *', '0 9 * * MON-FRI', '0 0 1,15 * *', '30 2 L * ?', '0 12 * JAN,JUL 5#2', '*/10 * * * * *', '@daily', '0 0 * * 7', '15 10 ? * 6L']) {
      expect(cronProblem(expression), expression).toBeNull();
    }
  });

  it('refuses what can never fire, saying which field', () => {
    expect(cronProblem('99 * * * *')).toBe('minute: 99 is outside 0-59');
    expect(cronProblem('* 24 * * *')).toBe('hour: 24 is outside 0-23');
    expect(cronProblem('* * 0 * *')).toBe('day of month: 0 is outside 1-31');
    expect(cronProblem('* * * FOO *')).toMatch(/month: "FOO"/);
    expect(cronProblem('*/0 * * * *')).toMatch(/step/);
    expect(cronProblem('5-1 * * * *')).toMatch(/backwards/);
    expect(cronProblem('* * * *')).toBe('expected 5 or 6 fields, got 4');
    expect(cronProblem('@sometimes')).toBe('expected 5 or 6 fields, got 1');
  });
});
