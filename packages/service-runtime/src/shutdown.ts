import type { Logger } from './logger';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

/**
 * Runs the steps in order on SIGTERM or SIGINT (stop intake, finish in-flight work, drain NATS,
 * close the pool) and exits 0; exits 1 when they outlast the timeout, as Kubernetes would kill
 * the pod at `terminationGracePeriodSeconds` anyway.
 */
export function installShutdown(options: { logger: Logger; timeoutMs: number; steps: () => ShutdownStep[] }): () => Promise<void> {
  let running: Promise<void> | undefined;
  const shutdown = () => {
    running ??= (async () => {
      const timer = setTimeout(() => {
        options.logger.error({ timeout_ms: options.timeoutMs }, 'shutdown timed out');
        process.exit(1);
      }, options.timeoutMs);
      timer.unref();
      for (const step of options.steps()) {
        try {
          await step.run();
          options.logger.info({ step: step.name }, 'shutdown step done');
        } catch (error) {
          options.logger.error({ err: error, step: step.name }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
    })();
    return running;
  };
  // `on`, not `once`: a supervisor may deliver the signal twice (a process-group kill plus tsx's
  // relay); the second must not fall through to the default action and kill the shutdown midway.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (running) return;
      options.logger.info({ signal }, 'shutting down');
      void shutdown().then(() => process.exit(0));
    });
  }
  return shutdown;
}
