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

const request = async (body: unknown) => {
  const reply = await platform.nc.request(`${platform.prefix}.scheduler.task_report`, typeof body === 'string' ? body : JSON.stringify(body), { timeout: 5_000 });
  const code = reply.headers?.get('Conveyor-Error-Code');
  return code ? { error: { code, message: reply.headers?.get('Conveyor-Error-Message'), details: reply.json<{ details: unknown }>().details } } : { reply: reply.json() };
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

  it('publishes the same attempt again when the replica that reserved a task died before publishing it', async () => {
    const consumer = await platform.handlerConsumer('reserved_by_the_dead', 'reserved-by-the-dead');
    const id = await createTask('reserved_by_the_dead', 600_000);
    // What a replica that reserved the task and died left behind: processing, not dispatched,
    // attempt 1, past its grace deadline (a reservation's `due_at`).
    await platform.sql.query(
      `update scheduler.tasks set status = 'processing', attempts = 1, dispatched = false, due_at = now() - interval '1 second' where id = $1`,
      [id],
    );
    const { msg, body } = await nextMessage(consumer);
    expect(body).toMatchObject({ task_id: id, attempt: 1 });
    expect(await report(body, 'completed')).toEqual({ accepted: true, status: 'completed' });
    msg.ack();
    expect(await readTask(id)).toMatchObject({ status: 'completed', attempts: 1 });
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

  it('takes many reports in one batch request and answers each, in order', async () => {
    const consumer = await platform.handlerConsumer('batched', 'batched');
    const ids = [await createTask('batched', 500), await createTask('batched', 500), await createTask('batched', 500, { maxAttempts: 1 })];
    const received: { msg: JsMsg; body: TaskDispatchMessage }[] = [];
    while (received.length < 3) received.push(await nextMessage(consumer));
    const byId = new Map(received.map((r) => [r.body.task_id, r]));
    const [first, second, third] = ids.map((id) => byId.get(id)!.body);
    const answer = await request({
      reports: [
        { task_id: first!.task_id, attempt: first!.attempt, outcome: 'completed' },
        { task_id: second!.task_id, attempt: second!.attempt, outcome: 'in_progress' },
        { task_id: third!.task_id, attempt: third!.attempt, outcome: 'failed', error: 'disk full' },
        // A stale attempt and a task that does not exist are refused, each in its place.
        { task_id: first!.task_id, attempt: first!.attempt + 1, outcome: 'completed' },
        { task_id: 9_007_199_254_740_991, attempt: 1, outcome: 'completed' },
      ],
    });
    expect(answer).toEqual({
      reply: {
        results: [
          { task_id: ids[0], accepted: true, status: 'completed' },
          { task_id: ids[1], accepted: true, status: 'processing' },
          { task_id: ids[2], accepted: true, status: 'failed' },
          { task_id: ids[0], accepted: false, status: 'completed' },
          { task_id: 9_007_199_254_740_991, accepted: false, status: null },
        ],
      },
    });
    expect(await readTask(ids[2]!)).toMatchObject({ status: 'failed', attempts: 1, last_error: 'disk full' });
    // The same report twice in one batch: applied once, the second refused.
    const twice = await request({ reports: [0, 1].map(() => ({ task_id: second!.task_id, attempt: second!.attempt, outcome: 'completed' })) });
    expect(twice).toEqual({ reply: { results: [{ task_id: ids[1], accepted: true, status: 'completed' }, { task_id: ids[1], accepted: false, status: 'completed' }] } });
    for (const { msg } of received) msg.ack();
  });

  it('answers a malformed batch with a validation error naming the report and field, and applies none of it', async () => {
    const consumer = await platform.handlerConsumer('batch_bad', 'batch-bad');
    const id = await createTask('batch_bad', 500);
    const { msg, body } = await nextMessage(consumer);
    const good = { task_id: body.task_id, attempt: body.attempt, outcome: 'completed' };
    const bad = await request({ reports: [good, { task_id: body.task_id, attempt: 0, outcome: 'done' }] });
    expect(bad.error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'report batch does not match its contract' });
    expect(bad.error?.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'reports.1.attempt' }), expect.objectContaining({ path: 'reports.1.outcome' })]),
    );
    expect((await readTask(id)).status).toBe('processing');
    expect((await request({ reports: [] })).error).toMatchObject({ code: 'VALIDATION_ERROR', details: [expect.objectContaining({ path: 'reports' })] });
    const tooMany = await request({ reports: Array.from({ length: 1_001 }, () => good) });
    expect(tooMany.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [expect.objectContaining({ path: 'reports' })] });
    expect((await request({ reports: 'all of them' })).error).toMatchObject({ code: 'VALIDATION_ERROR', details: [expect.objectContaining({ path: 'reports' })] });
    expect((await request('{"reports": [')).error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'request is not valid JSON' });
    // The single form keeps its own error.
    expect((await request({ task_id: body.task_id })).error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'report does not match its contract' });
    expect((await readTask(id)).status).toBe('processing');
    expect(await request({ reports: [good] })).toEqual({ reply: { results: [{ task_id: id, accepted: true, status: 'completed' }] } });
    msg.ack();
  });
});
