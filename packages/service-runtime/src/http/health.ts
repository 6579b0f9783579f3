import type { FastifyInstance } from 'fastify';

/** A dependency check: resolves when the dependency answers, throws otherwise. */
export type HealthCheck = () => Promise<void>;

export interface ComponentHealth {
  status: 'healthy' | 'unhealthy';
  latency_ms: number;
  error?: string;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export async function checkComponents(checks: Record<string, HealthCheck>, timeoutMs: number): Promise<Record<string, ComponentHealth>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, ComponentHealth]> => {
      const started = performance.now();
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
        ]);
        return [name, { status: 'healthy', latency_ms: round(performance.now() - started) }];
      } catch (error) {
        return [name, { status: 'unhealthy', latency_ms: round(performance.now() - started), error: (error as Error).message }];
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * `/health` (shallow, the documented body), `/health/detailed` (every dependency with its
 * latency; 503 when one is down), `/livez` (the process answers) and `/readyz` (started, not
 * shutting down, dependencies up).
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  options: {
    version: string;
    checks: Record<string, HealthCheck>;
    /** What readiness depends on; defaults to every check. */
    readinessChecks?: Record<string, HealthCheck>;
    isAcceptingWork: () => boolean;
    timeoutMs?: number;
  },
): void {
  const timeoutMs = options.timeoutMs ?? 2_000;
  app.get('/health', async () => ({ status: 'healthy', version: options.version, timestamp: new Date().toISOString() }));
  app.get('/health/detailed', async (_request, reply) => {
    const components = await checkComponents(options.checks, timeoutMs);
    const healthy = Object.values(components).every((c) => c.status === 'healthy');
    reply.code(healthy ? 200 : 503);
    return { status: healthy ? 'healthy' : 'unhealthy', components, version: options.version, timestamp: new Date().toISOString() };
  });
  app.get('/livez', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!options.isAcceptingWork()) return reply.code(503).send({ status: 'shutting_down' });
    const components = await checkComponents(options.readinessChecks ?? options.checks, timeoutMs);
    const ready = Object.values(components).every((c) => c.status === 'healthy');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', components });
  });
}
