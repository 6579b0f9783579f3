import { streamName, taskDispatchMessage, type TaskDispatchMessage } from '@conveyor/contracts';
import { AckPolicy, type NatsConnection } from 'nats';

export interface HandlerStats {
  /** Deliveries per `<task id>:<attempt>`. */
  deliveries: Map<string, number>;
  /** Accepted `completed` reports per task id. */
  accepted: Map<number, number>;
  /** Handler start minus `execute_at`, in ms, first delivery of each task. */
  lateness: Map<number, number>;
  /** JetStream's stored-at time minus `execute_at`: the scheduler's share of the lateness. */
  publishLateness: Map<number, number>;
  lastAcceptedAt: number;
  lastDeliveredAt: number;
  /**
   * Tasks whose report was answered `accepted: false, status: completed`: an earlier report of
   * the same attempt was applied but its reply was lost (the scheduler died after the commit).
   */
  alreadyCompleted: Set<number>;
  /** Reports sent and not yet answered. */
  reportsInFlight: number;
  stop(): Promise<void>;
}

const encoder = new TextEncoder();

/**
 * A no-op handler as a user would write one: a durable pull consumer on its task type, a
 * `completed` report per message (sent concurrently, retried until answered), then the ack.
 */
export async function startNoopHandler(nc: NatsConnection, prefix: string, taskType: string): Promise<HandlerStats> {
  const stream = streamName(prefix, 'TASKS');
  const jsm = await nc.jetstreamManager();
  const durable = `noop-${taskType.replace(/[^a-z0-9_-]/gi, '_')}`;
  await jsm.consumers.add(stream, {
    durable_name: durable,
    filter_subject: `${prefix}.tasks.${taskType}`,
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: 20_000,
    ack_wait: 30_000_000_000,
  });
  const consumer = await nc.jetstream().consumers.get(stream, durable);
  const messages = await consumer.consume({ max_messages: 2_000 });
  const stats: HandlerStats = {
    deliveries: new Map(),
    accepted: new Map(),
    lateness: new Map(),
    publishLateness: new Map(),
    lastAcceptedAt: 0,
    lastDeliveredAt: 0,
    reportsInFlight: 0,
    alreadyCompleted: new Set(),
    async stop() {
      messages.stop();
      await loop;
    },
  };
  const subject = `${prefix}.scheduler.task_report`;

  async function reportCompleted(task: TaskDispatchMessage): Promise<boolean> {
    let sent = false;
    for (;;) {
      try {
        const reply = await nc.request(subject, encoder.encode(JSON.stringify({ task_id: task.task_id, attempt: task.attempt, outcome: 'completed' })), { timeout: 10_000 });
        if (reply.headers?.get('Conveyor-Error-Code')) throw new Error(reply.headers.get('Conveyor-Error-Code'));
        const answer = reply.json<{ accepted: boolean; status: string | null }>();
        if (!answer.accepted && sent && answer.status === 'completed') stats.alreadyCompleted.add(task.task_id);
        return answer.accepted;
      } catch {
        sent = true;
        // No scheduler answering (it was killed): try again until one does.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  const loop = (async () => {
    for await (const msg of messages) {
      const started = Date.now();
      const task = taskDispatchMessage.parse(msg.json());
      if (!stats.lateness.has(task.task_id)) {
        stats.lateness.set(task.task_id, started - Date.parse(task.execute_at));
        stats.publishLateness.set(task.task_id, Math.round(msg.info.timestampNanos / 1e6) - Date.parse(task.execute_at));
      }
      const key = `${task.task_id}:${task.attempt}`;
      stats.deliveries.set(key, (stats.deliveries.get(key) ?? 0) + 1);
      stats.lastDeliveredAt = started;
      stats.reportsInFlight += 1;
      void reportCompleted(task).then((accepted) => {
        stats.reportsInFlight -= 1;
        msg.ack();
        if (!accepted) return;
        stats.accepted.set(task.task_id, (stats.accepted.get(task.task_id) ?? 0) + 1);
        stats.lastAcceptedAt = Date.now();
      });
    }
  })();
  return stats;
}
