import { stepReadyMessage, stepReadySubject, streamName } from '@conveyor/contracts';
import type { Logger } from '@conveyor/service-runtime';
import type { JetStreamClient, JetStreamManager } from 'nats';
import type { AbortRegistry } from '../domain/abort-registry';
import type { EngineDeps } from '../domain/engine-deps';
import { abandonStep, processStep } from '../domain/process-step';
import { ensureDurableConsumer } from './ensure-consumer';
import { startPullWorker, type PullWorker } from './pull-worker';

const decoder = new TextDecoder();

/** Deliveries after which a step message that keeps failing in the engine fails its execution. */
const maxDeliveriesOnError = 10;

/** The step workers: one durable consumer of the STEPS stream shared by every replica. */
export async function startStepConsumer(options: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  deps: EngineDeps;
  aborts: AbortRegistry;
  concurrency: number;
  ackWaitMs: number;
  logger: Logger;
}): Promise<PullWorker> {
  const stream = streamName(options.deps.prefix, 'STEPS');
  const durable = 'executions-steps';
  await ensureDurableConsumer(options.jsm, {
    stream,
    durable,
    filterSubject: stepReadySubject(options.deps.prefix),
    ackWaitMs: options.ackWaitMs,
    maxAckPending: 10_000,
  });
  return startPullWorker({
    js: options.js,
    stream,
    durable,
    concurrency: options.concurrency,
    ackWaitMs: options.ackWaitMs,
    logger: options.logger,
    async handle(msg) {
      let body: unknown;
      try {
        body = JSON.parse(decoder.decode(msg.data));
      } catch {
        body = null;
      }
      const parsed = stepReadyMessage.safeParse(body);
      if (!parsed.success) {
        options.logger.error({ subject: msg.subject }, 'unreadable step message dropped');
        return 'ack';
      }
      let result;
      try {
        result = await processStep(options.deps, options.aborts, {
          stepId: parsed.data.step_id,
          notBefore: parsed.data.not_before,
          redelivered: msg.info.redelivered,
        });
      } catch (error) {
        // Transient trouble (database, NATS) is retried by redelivery; past the limit it is not transient.
        if (msg.info.deliveryCount < maxDeliveriesOnError) throw error;
        options.logger.error({ err: error, step_id: parsed.data.step_id }, 'giving up on a step message');
        await abandonStep(options.deps, parsed.data.step_id, (error as Error).message ?? String(error));
        return 'ack';
      }
      if (result.kind === 'later') return { nakDelayMs: Math.min(result.delayMs, 60 * 60 * 1000) };
      // The successor was claimed in the step's commit: run it in this slot once the message is acked.
      const next = result.next;
      const inProcess = options.deps.inProcess;
      return next && inProcess ? { ackThen: () => inProcess.runChain(next) } : 'ack';
    },
  });
}
