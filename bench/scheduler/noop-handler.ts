import { streamName, type TaskDispatchMessage } from '@conveyor/contracts';
import { AckPolicy, type JsMsg, type NatsConnection } from 'nats';

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
 * A no-op handler as a user would write one with the documented protocol: a durable pull
 * consumer on its task type; per message, a `completed` report. Reports of the messages that
 * arrive together go out as one batch request (`{"reports": [...]}`, at most 1,000), sent as soon
 * as the previous batch is answered (group commit on the handler side: no timer, no added delay
 * for a lone message), and a batch whose request fails is sent again until a scheduler answers,
 * so a lost report means a redelivery, never a lost task. The consumer acks all up to a message
 * (`AckPolicy.All`): once every batch up to one is answered, one ack of its last message covers
 * them all, instead of an ack per message (each one a message the server processes).
 */
export async function startNoopHandler(nc: NatsConnection, prefix: string, taskType: string): Promise<HandlerStats> {
  const stream = streamName(prefix, 'TASKS');
  const jsm = await nc.jetstreamManager();
  const durable = `noop-${taskType.replace(/[^a-z0-9_-]/gi, '_')}`;
  await jsm.consumers.add(stream, {
    durable_name: durable,
    filter_subject: `${prefix}.tasks.${taskType}`,
    // One ack covers every earlier delivery (see `ackThrough`): a handler that reports in batches
    // need not ack each message.
    ack_policy: AckPolicy.All,
    max_ack_pending: 20_000,
    ack_wait: 30_000_000_000,
  });
  const consumer = await nc.jetstream().consumers.get(stream, durable);
  // First deliveries as received (the message and when): lateness is worked out when asked for, so
  // parsing the JetStream reply subject (stored-at time) does not weigh on the drain being measured.
  const firsts: { msg: JsMsg; task: TaskDispatchMessage; started: number }[] = [];
  const seen = new Set<number>();
  let messages: Awaited<ReturnType<typeof consumer.consume>> | undefined;
  const stats: HandlerStats = {
    deliveries: new Map(),
    accepted: new Map(),
    get lateness() {
      return new Map(firsts.map(({ task, started }) => [task.task_id, started - Date.parse(task.execute_at)]));
    },
    get publishLateness() {
      return new Map(firsts.map(({ msg, task }) => [task.task_id, Math.round(msg.info.timestampNanos / 1e6) - Date.parse(task.execute_at)]));
    },
    lastAcceptedAt: 0,
    lastDeliveredAt: 0,
    reportsInFlight: 0,
    alreadyCompleted: new Set(),
    async stop() {
      messages?.stop();
      await messages?.closed();
      while (queue.length > 0 || sending > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
  const subject = `${prefix}.scheduler.task_report`;
  const maxBatch = 1_000;
  // Batches in flight at once: the next batch is not held back while the scheduler commits one.
  const maxInFlight = 4;
  let queue: { msg: JsMsg; task: TaskDispatchMessage }[] = [];
  let sending = 0;
  /** Batches in delivery order, with whether their reports are answered. */
  const unacked: { last: JsMsg; answered: boolean }[] = [];

  /** Acks through the last message of the answered batches at the head of `unacked`. */
  function ackThrough(): void {
    let last: JsMsg | undefined;
    while (unacked.length > 0 && unacked[0]!.answered) last = unacked.shift()!.last;
    last?.ack();
  }

  /** Sends one batch until a scheduler answers it; returns each report's outcome. */
  async function reportCompleted(batch: { task: TaskDispatchMessage }[]): Promise<{ accepted: boolean; status: string | null }[]> {
    const body = encoder.encode(JSON.stringify({ reports: batch.map(({ task }) => ({ task_id: task.task_id, attempt: task.attempt, outcome: 'completed' })) }));
    let sent = false;
    for (;;) {
      try {
        const reply = await nc.request(subject, body, { timeout: 10_000 });
        if (reply.headers?.get('Conveyor-Error-Code')) throw new Error(reply.headers.get('Conveyor-Error-Code'));
        const { results } = reply.json<{ results: { task_id: number; accepted: boolean; status: string | null }[] }>();
        if (sent) for (const [i, result] of results.entries()) if (!result.accepted && result.status === 'completed') stats.alreadyCompleted.add(batch[i]!.task.task_id);
        return results;
      } catch {
        sent = true;
        // No scheduler answering (it was killed): try again until one does.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  async function sendQueued(): Promise<void> {
    if (sending >= maxInFlight) return;
    sending += 1;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      const entry = { last: batch.at(-1)!.msg, answered: false };
      unacked.push(entry);
      const results = await reportCompleted(batch);
      entry.answered = true;
      ackThrough();
      for (const [i, { task }] of batch.entries()) {
        stats.reportsInFlight -= 1;
        if (!results[i]!.accepted) continue;
        stats.accepted.set(task.task_id, (stats.accepted.get(task.task_id) ?? 0) + 1);
        stats.lastAcceptedAt = Date.now();
      }
    }
    sending -= 1;
  }

  // The callback form of `consume` (no async iterator: one promise less per message).
  messages = await consumer.consume({
    max_messages: 2_000,
    callback: (msg) => {
      const started = Date.now();
      // Decoded, not validated field by field: the scheduler is the only producer of these
      // messages, and a no-op handler reads only task_id, attempt and execute_at.
      const task = msg.json<TaskDispatchMessage>();
      if (!seen.has(task.task_id)) {
        seen.add(task.task_id);
        firsts.push({ msg, task, started });
      }
      const key = `${task.task_id}:${task.attempt}`;
      stats.deliveries.set(key, (stats.deliveries.get(key) ?? 0) + 1);
      stats.lastDeliveredAt = started;
      stats.reportsInFlight += 1;
      queue.push({ msg, task });
      // After the messages already received in this turn: they join the same batch.
      if (queue.length === 1) setImmediate(() => void sendQueued());
      else if (queue.length >= maxBatch) void sendQueued();
    },
  });
  return stats;
}
