import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv, serviceEnvShape } from './env';

describe('parseEnv', () => {
  it('applies the local defaults', () => {
    const env = parseEnv(serviceEnvShape(4105), {});
    expect(env.PORT).toBe(4105);
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/conveyor');
    expect(env.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('lists every problem at once', () => {
    let caught: unknown;
    try {
      parseEnv(serviceEnvShape(4105), { PORT: 'eighty', DATABASE_URL: 'mysql://x', NATS_PREFIX: 'Bad Prefix', LOG_LEVEL: 'loud' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvError);
    const problems = (caught as EnvError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'NATS_PREFIX', 'LOG_LEVEL']) expect(problems).toContain(name);
    expect((caught as EnvError).problems).toHaveLength(4);
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv(serviceEnvShape(4101), { PORT: '' }).PORT).toBe(4101);
  });
});
