import { describe, expect, it } from 'vitest';
import { createFailureLimiter, type FailureLimit } from '../src/rest/failure-limiter';

const account: FailureLimit = { name: 'account', max: 3, windowSeconds: 60, clearOnSuccess: true };
const client: FailureLimit = { name: 'client', max: 5, windowSeconds: 60 };
const budgets = (ip: string, user: string) => [
  { key: `${ip}|${user}`, limit: account },
  { key: ip, limit: client },
];

describe('login failure limiter', () => {
  it('refuses a (client, account) pair after its budget, with retry_after_seconds', () => {
    let now = 0;
    const limiter = createFailureLimiter(() => now);
    for (let i = 0; i < 3; i += 1) {
      limiter.check(budgets('1.1.1.1', 'ada'));
      limiter.fail(budgets('1.1.1.1', 'ada'));
    }
    expect(() => limiter.check(budgets('1.1.1.1', 'ada'))).toThrow(expect.objectContaining({ code: 'RATE_LIMIT_EXCEEDED', details: { limit: 'account', retry_after_seconds: 60 } }));
    now = 59_500;
    expect(() => limiter.check(budgets('1.1.1.1', 'ada'))).toThrow(expect.objectContaining({ details: { limit: 'account', retry_after_seconds: 1 } }));
    now = 60_000;
    expect(() => limiter.check(budgets('1.1.1.1', 'ada'))).not.toThrow();
  });

  it('does not lock the victim out: an attacker exhausts only their own address', () => {
    const limiter = createFailureLimiter(() => 0);
    for (let i = 0; i < 10; i += 1) limiter.fail(budgets('6.6.6.6', 'victim'));
    expect(() => limiter.check(budgets('6.6.6.6', 'victim'))).toThrow();
    expect(() => limiter.check(budgets('6.6.6.6', 'someone-else'))).toThrow(expect.objectContaining({ details: expect.objectContaining({ limit: 'client' }) }));
    expect(() => limiter.check(budgets('10.0.0.7', 'victim'))).not.toThrow();
  });

  it('a success clears the account budget but not the client budget', () => {
    const limiter = createFailureLimiter(() => 0);
    for (let i = 0; i < 2; i += 1) limiter.fail(budgets('1.1.1.1', 'ada'));
    limiter.succeed(budgets('1.1.1.1', 'ada'));
    for (let i = 0; i < 2; i += 1) limiter.fail(budgets('1.1.1.1', 'ada'));
    expect(() => limiter.check(budgets('1.1.1.1', 'ada'))).not.toThrow();
    limiter.fail(budgets('1.1.1.1', 'bob'));
    expect(() => limiter.check(budgets('1.1.1.1', 'carol'))).toThrow(expect.objectContaining({ details: expect.objectContaining({ limit: 'client' }) }));
  });
});
