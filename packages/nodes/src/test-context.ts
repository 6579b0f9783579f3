import type { ExecutorContext, LogLevel } from './types';

/** An executor context for unit tests: records logs and publishes instead of sending them. */
export function createTestContext<Config>(config: Config, input: unknown, signal: AbortSignal = new AbortController().signal) {
  const logs: Array<{ level: LogLevel; message: string; data?: Record<string, unknown> }> = [];
  const published: Array<{ subject: string; data: unknown }> = [];
  const context: ExecutorContext<Config> = {
    executionId: '00000000-0000-4000-8000-000000000001',
    tenantId: null,
    nodeId: 'n1',
    attempt: 1,
    config,
    input,
    signal,
    log: (level, message, data) => void logs.push(data === undefined ? { level, message } : { level, message, data }),
    publish: async (subject, data) => void published.push({ subject, data }),
  };
  return { context, logs, published };
}
