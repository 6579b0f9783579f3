import { taskDispatchMessage, type TaskDispatchMessage } from '@conveyor/contracts';
import type { JsMsg } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSchedulerPlatform, type SchedulerPlatform } from './scheduler-platform';

/**
 * Dispatch through real scheduler processes, PostgreSQL and JetStream: a due task reaches its
 * handler on `<prefix>.tasks.<task_type>`, reports finish it, failures and missed reports retry
 * until `max_attempts`, and two replicas never hand the same attempt out twice.
 */
let platform: SchedulerPlatform;

beforeAll(async () => {
  platform = await startSchedulerPlatform('dispatch', { env: { SCHEDULER_REPORT_TIMEOUT_MS: '1000' } });
});

afterAll(async () => {
  await platform?.destroy();
});

const createTask = async (taskType: string, inMs: number, extra: Record<string, unknown> = {}) => {
  const result = await platform.graphql<{ createTask: { id: string } }>(
    'mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }',
    { input: { executeAt: new Date(Date.now() + inMs).toISOString(), taskType, payload: { hello: taskType }, ...extra } },
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return Number(result.data.createTask.id);
};

const readTask = async (id: number) =>
  (await platform.sql.query('select status, attempts, last_error, completed_at from scheduler.tasks where id = $1', [id])).rows[0] as {
    status: string;
    attempts: number;
    last_error: string | null;
    completed_at: Date | null;
  };

const report = async (message: TaskDispatchMessage, outcome: 'completed' | 'failed' | 'in_progress', error?: string) => {
  const reply = await platform.nc.request(
    `${platform.prefix}.scheduler.task_report`,
    JSON.stringify({ task_id: message.task_id, attempt: message.attempt, outcome, error }),
    { timeout: 5_000 },
  );
  return reply.json<{ accepted: boolean; status: string | null }>();
};

const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

const nextMessage = async (consumer: Awaited<ReturnType<SchedulerPlatform['handlerConsumer']>>): Promise<{ msg: JsMsg; body: TaskDispatchMessage }> => {
  for (;;) {
    const msg = await consumer.next({ expires: 5_000 });
    if (msg) return { msg, body: taskDispatchMessage.parse(msg.json()) };
  }
};

describe('dispatch', () => {
  it('publishes a due task to its subject, marks it processing and completes it on report', async () => {
    const consumer = await platform.handlerConsumer('send_email', 'send-email');
    const id = await createTask('send_email', 1_500);
    // Due within the reservation window it may already be claimed ahead, but it has not started.
    const before = await platform.graphql<{ task: { status: string; attempts: number } }>(`{ task(id: "${id}") { status attempts } }`);
    expect(before.data?.task).toEqual({ status: 'pending', attempts: 0 });
    const { msg, body } = await nextMessage(consumer);
    expect(msg.subject).toBe(`${platform.prefix}.tasks.send_email`);
    expect(body).toMatchObject({ v: 1, task_id: id, attempt: 1, max_attempts: 3, task_type: 'send_email', payload: { hello: 'send_email' }, tenant_id: expect.any(String) });
    expect(Date.parse(body.report_deadline)).toBeGreaterThan(Date.parse(body.execute_at));
    expect((await readTask(id)).status).toBe('processing');
    expect(await report(body, 'completed')).toEqual({ accepted: true, status: 'completed' });
    msg.ack();
    const task = await readTask(id);
    expect(task).toMatchObject({ status: 'completed', attempts: 1 });
    expect(task.completed_at).toBeInstanceOf(Date);
    // A repeated report (a redelivered message) changes nothing.
    expect(await report(body, 'completed')).toEqual({ accepted: false, status: 'completed' });
  });

  it('retries a failing task with backoff until max_attempts, then fails it with the last error', async () => {
    const consumer = await platform.handlerConsumer('flaky', 'flaky');
    const id = await createTask('flaky', 500, { maxAttempts: 3 });
    const attempts: number[] = [];
    for (let i = 1; i <= 3; i += 1) {
      const { msg, body } = await nextMessage(consumer);
      expect(body.task_id).toBe(id);
      attempts.push(body.attempt);
      const outcome = await report(body, 'failed', `smtp refused (attempt ${body.attempt})`);
      expect(outcome).toEqual({ accepted: true, status: i < 3 ? 'pending' : 'failed' });
      msg.ack();
    }
    expect(attempts).toEqual([1, 2, 3]);
    expect(await readTask(id)).toMatchObject({ status: 'failed', attempts: 3, last_error: 'smtp refused (attempt 3)', completed_at: null });
    const api = await platform.graphql<{ task: { status: string; lastError: string } }>(`{ task(id: "${id}") { status lastError } }`);
    expect(api.data?.task).toEqual({ status: 'failed', lastError: 'smtp refused (attempt 3)' });
  });

  it('counts an attempt without a report before its deadline as failed and retries it', async () => {
    const consumer = await platform.handlerConsumer('silent', 'silent');
    const id = await createTask('silent', 500);
    const first = await nextMessage(consumer);
    first.msg.ack(); // the handler "crashes" without reporting
    const second = await nextMessage(consumer);
    expect(second.body).toMatchObject({ task_id: id, attempt: 2 });
    expect((await readTask(id)).last_error).toMatch(/no report/);
    // The late report of the first attempt is refused; the second one counts.
    expect(await report(first.body, 'completed')).toEqual({ accepted: false, status: 'processing' });
    expect(await report(second.body, 'completed')).toEqual({ accepted: true, status: 'completed' });
    second.msg.ack();
  });

  it('extends the deadline while a handler reports progress', async () => {
    const consumer = await platform.handlerConsumer('long_job', 'long-job');
    const id = await createTask('long_job', 500);
    const { msg, body } = await nextMessage(consumer);
    for (let i = 0; i < 4; i += 1) {
      expect(await report(body, 'in_progress')).toEqual({ accepted: true, status: 'processing' });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(await report(body, 'completed')).toEqual({ accepted: true, status: 'completed' });
    msg.ack();
    expect(await readTask(id)).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('cancels a processing task: its report is then refused', async () => {
    const consumer = await platform.handlerConsumer('to_cancel', 'to-cancel');
    const id = await createTask('to_cancel', 500);
    const { msg, body } = await nextMessage(consumer);
    const cancelled = await platform.graphql<{ cancelTask: { status: string } }>(`mutation { cancelTask(id: "${id}") { status } }`);
    expect(cancelled.data?.cancelTask.status).toBe('cancelled');
    expect(await report(body, 'completed')).toEqual({ accepted: false, status: 'cancelled' });
    msg.ack();
  });

  it('with two replicas, hands every attempt out once and completes every task once', async () => {
    await platform.startScheduler();
    const consumer = await platform.handlerConsumer('fanout', 'fanout');
    const count = 300;
    const at = new Date(Date.now() + 1_500).toISOString();
    await platform.sql.query(
      `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at)
       select 'default', 'fanout', jsonb_build_object('n', n), $1, $1 from generate_series(1, $2) n`,
      [at, count],
    );
    // An attempt whose report comes after its deadline (a loaded machine) is legitimately
    // retried as a new attempt; what must never happen is the same attempt handed out twice,
    // or a task completed twice.
    const deliveries = new Map<string, number>();
    const acceptedPerTask = new Map<number, number>();
    let allAccepted: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (allAccepted = resolve));
    const messages = await consumer.consume();
    void (async () => {
      for await (const msg of messages) {
        const body = taskDispatchMessage.parse(msg.json());
        const key = `${body.task_id}:${body.attempt}`;
        deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
        void report(body, 'completed').then((outcome) => {
          msg.ack();
          if (!outcome.accepted) return;
          acceptedPerTask.set(body.task_id, (acceptedPerTask.get(body.task_id) ?? 0) + 1);
          if (acceptedPerTask.size === count) allAccepted();
        });
      }
    })();
    await finished;
    messages.stop();
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    expect([...acceptedPerTask.values()].every((n) => n === 1)).toBe(true);
    const done = await until(
      async () => (await platform.sql.query(`select count(*)::int as n from scheduler.tasks where task_type = 'fanout' and status = 'completed'`)).rows[0].n as number,
      (n) => n === count,
    );
    expect(done).toBe(count);
  });
});
