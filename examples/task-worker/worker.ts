/**
 * A task handler for Conveyor's scheduler, in plain TypeScript with the `nats` client only (no
 * Conveyor package): the same steps work from any language with a NATS client.
 *
 *   NATS_URL=nats://127.0.0.1:4222 NATS_PREFIX=conveyor TASK_TYPE=send_email npx tsx examples/task-worker/worker.ts
 *
 * 1. A durable pull consumer on the TASKS stream (`<PREFIX>_TASKS`), filtered on
 *    `<prefix>.tasks.<task_type>`. Durable: messages wait while no worker runs. Run as many
 *    copies as you like with the same durable name: JetStream spreads the messages.
 * 2. Per message: do the work, then report the outcome with a request to
 *    `<prefix>.scheduler.task_report`, then ack. Outcomes that finish together go out as one
 *    batch `{"reports": [{task_id, attempt, outcome: completed|failed, error?}, …]}` (one
 *    `{task_id, attempt, outcome}` alone is accepted too). For work longer than the report
 *    deadline send `outcome: in_progress` now and then.
 * 3. The scheduler retries a failed attempt (or one never reported by `report_deadline`) with
 *    exponential backoff and jitter until `max_attempts`; `retry: false` fails it for good.
 *    Delivery is at least once: make the work idempotent (the task id is a good key).
 */
import { AckPolicy, connect, type JsMsg } from 'nats';

const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const prefix = process.env.NATS_PREFIX ?? 'conveyor';
const taskType = process.env.TASK_TYPE ?? 'send_email';

interface TaskMessage {
  v: 1;
  task_id: number;
  attempt: number;
  max_attempts: number;
  task_type: string;
  payload: unknown;
  tenant_id: string;
  execute_at: string;
  report_deadline: string;
}

/** The work itself. Throwing reports a failure; the message becomes `last_error`. */
async function handle(task: TaskMessage): Promise<void> {
  const payload = task.payload as { fail?: boolean; to?: string };
  if (payload.fail) throw new Error(`cannot deliver to ${payload.to ?? 'nobody'}`);
  console.log(JSON.stringify({ handled: task.task_id, attempt: task.attempt, payload: task.payload, late_ms: Date.now() - Date.parse(task.execute_at) }));
}

const nc = await connect({ servers: natsUrl, name: `task-worker-${taskType}` });
const stream = `${prefix.replace(/[^a-zA-Z0-9]/g, '_').toUpperCase()}_TASKS`;
const durable = `worker-${taskType.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
const jsm = await nc.jetstreamManager();
await jsm.consumers.add(stream, {
  durable_name: durable,
  filter_subject: `${prefix}.tasks.${taskType}`,
  ack_policy: AckPolicy.Explicit,
  // Unacked messages come back after a minute (a worker crashed mid-task).
  ack_wait: 60_000_000_000,
});
const messages = await (await nc.jetstream().consumers.get(stream, durable)).consume({ max_messages: 100 });

interface ReportReply {
  accepted: boolean;
  status: string | null;
}

async function request<T>(body: unknown): Promise<T> {
  const reply = await nc.request(`${prefix}.scheduler.task_report`, JSON.stringify(body), { timeout: 10_000 });
  const code = reply.headers?.get('Conveyor-Error-Code');
  if (code) throw new Error(`report refused: ${code} ${reply.headers?.get('Conveyor-Error-Message')}`);
  return reply.json<T>();
}

/** One report on its own: the `in_progress` keep-alive. */
function report(task: TaskMessage, outcome: 'in_progress'): Promise<ReportReply> {
  return request({ task_id: task.task_id, attempt: task.attempt, outcome });
}

// Finished work waits here for the next batch request; one is sent as soon as the previous one
// is answered, so a busy worker sends one request per many messages and a lone one no later.
const finished: { msg: JsMsg; task: TaskMessage; outcome: 'completed' | 'failed'; error?: string }[] = [];
let sending = false;

async function sendReports(): Promise<void> {
  if (sending) return;
  sending = true;
  while (finished.length > 0) {
    const batch = finished.splice(0, 1_000);
    try {
      const { results } = await request<{ results: ReportReply[] }>({
        reports: batch.map(({ task, outcome, error }) => ({ task_id: task.task_id, attempt: task.attempt, outcome, error })),
      });
      // `accepted: false` means this attempt is no longer current (cancelled, timed out and
      // retried, reported before): nothing to do but ack.
      for (const [i, { msg }] of batch.entries()) {
        if (!results[i]!.accepted) console.log(JSON.stringify({ not_accepted: batch[i]!.task.task_id, status: results[i]!.status }));
        msg.ack();
      }
    } catch (error) {
      // Not acked: the messages come back and their reports are sent again.
      console.error(`report failed, the messages will come back: ${(error as Error).message}`);
      for (const { msg } of batch) msg.nak(5_000);
    }
  }
  sending = false;
}

async function processMessage(msg: JsMsg): Promise<void> {
  const task = msg.json<TaskMessage>();
  // Long work: keep the attempt alive (and the message: `msg.working()`) every 20 s.
  const keepAlive = setInterval(() => {
    msg.working();
    void report(task, 'in_progress').catch(() => undefined);
  }, 20_000);
  try {
    await handle(task);
    finished.push({ msg, task, outcome: 'completed' });
  } catch (error) {
    finished.push({ msg, task, outcome: 'failed', error: (error as Error).message });
  } finally {
    clearInterval(keepAlive);
  }
  setImmediate(() => void sendReports());
}

const stop = () => {
  messages.stop();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
console.log(JSON.stringify({ listening: `${prefix}.tasks.${taskType}`, durable }));
const inFlight = new Set<Promise<void>>();
for await (const msg of messages) {
  const work = processMessage(msg).finally(() => inFlight.delete(work));
  inFlight.add(work);
}
await Promise.all(inFlight);
while (finished.length > 0 || sending) await new Promise((resolve) => setTimeout(resolve, 10));
await nc.drain();
