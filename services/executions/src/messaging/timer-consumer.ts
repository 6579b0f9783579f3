import { streamName, timerFiredMessage, timerFiredSubject } from '@conveyor/contracts';
import type { Logger } from '@conveyor/service-runtime';
import type { JetStreamClient, JetStreamManager } from 'nats';
import type { EngineDeps } from '../domain/engine-deps';
import { wakeTimerStep } from '../domain/process-step';
import { ensureDurableConsumer } from './ensure-consumer';
import { startPullWorker, type PullWorker } from './pull-worker';

const decoder = new TextDecoder();

/** Fired timers of the scheduler (`<prefix>.tasks.engine.timer` on the TASKS stream) resume parked steps. */
export async function startTimerConsumer(options: { js: JetStreamClient; jsm: JetStreamManager; deps: EngineDeps; logger: Logger }): Promise<PullWorker> {
  const stream = streamName(options.deps.prefix, 'TASKS');
  const durable = 'executions-timers';
  await ensureDurableConsumer(options.jsm, { stream, durable, filterSubject: timerFiredSubject(options.deps.prefix), ackWaitMs: 30_000, maxAckPending: 1_000 });
  return startPullWorker({
    js: options.js,
    stream,
    durable,
    concurrency: 16,
    ackWaitMs: 30_000,
    logger: options.logger,
    async handle(msg) {
      const parsed = timerFiredMessage.safeParse(JSON.parse(decoder.decode(msg.data)));
      if (!parsed.success) return 'ack';
      await wakeTimerStep(options.deps, parsed.data.execution_id, parsed.data.step_id);
      return 'ack';
    },
  });
}
