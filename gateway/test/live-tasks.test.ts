import { createTestUser } from '@conveyor/testing';
import { streamName, taskDispatchMessage } from '@conveyor/contracts';
import { createClient } from 'graphql-ws';
import { DeliverPolicy } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSchedulerPlatform, type SchedulerPlatform } from '../../services/scheduler/test/scheduler-platform';
import { collect } from './live-harness';

/**
 * `taskUpdated` through the real gateway process (its own NATS connection, as `npm start` runs
 * it), fed by the real scheduler's task events; a handler on the TASKS stream reports completion.
 */
let platform: SchedulerPlatform;

beforeAll(async () => {
  platform = await startSchedulerPlatform('live_tasks', { gateway: true });
});

afterAll(async () => {
  await platform?.destroy();
});

const client = (authorization: string) =>
  createClient({ url: `${platform.gatewayUrl!.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization } });

const taskUpdated = 'subscription($id: ID!) { taskUpdated(id: $id) { id status attempts lastError } }';
type TaskMessage = { taskUpdated: { id: string; status: string; attempts: number } };

/** The task's `task.updated` events in the stream, in order. */
async function taskEvents(id: string): Promise<Array<{ seq: number; status: string }>> {
  const consumer = await platform.nc.jetstream().consumers.get(streamName(platform.prefix, 'EVENTS'), {
    filterSubjects: `${platform.prefix}.scheduler.task.updated`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: 1,
  });
  const found: Array<{ seq: number; status: string }> = [];
  const messages = await consumer.consume();
  for await (const message of messages) {
    const envelope = message.json<{ data: { id: number; status: string } }>();
    if (String(envelope.data.id) === id) found.push({ seq: message.seq, status: envelope.data.status });
    if (message.info.pending === 0) break;
  }
  await messages.close();
  return found;
}

describe('taskUpdated', () => {
  it('sends the task\'s state, then every change the scheduler and its handler make, in stream order', async () => {
    const consumer = await platform.handlerConsumer('live_job', 'live-job');
    const created = await platform.graphql<{ createTask: { id: string } }>('mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }', {
      input: { executeAt: new Date(Date.now() + 1_500).toISOString(), taskType: 'live_job', payload: { n: 1 } },
    });
    const id = created.data!.createTask.id;
    const watching = collect<TaskMessage>(client(platform.tenant.admin.authorization), taskUpdated, { id }, (m) => m.data?.taskUpdated.status === 'completed');

    // The handler: takes the dispatch and reports it done over NATS request/reply.
    for (;;) {
      const message = await consumer.next({ expires: 5_000 });
      if (!message) continue;
      const body = taskDispatchMessage.parse(message.json());
      await platform.nc.request(`${platform.prefix}.scheduler.task_report`, JSON.stringify({ task_id: body.task_id, attempt: body.attempt, outcome: 'completed' }), { timeout: 5_000 });
      message.ack();
      break;
    }
    const messages = await watching;
    expect(messages.at(-1)!.data!.taskUpdated).toMatchObject({ id, status: 'completed', attempts: 1 });
    const sequences = messages.map((m) => Number(m.extensions!.sequence));
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);

    // Complete and in order whatever the timing: after the first message (the state when the
    // subscription started), exactly the task's events above its sequence, minus a repeat of it.
    const events = await taskEvents(id);
    expect(events.map((e) => e.status).at(-1)).toBe('completed');
    const first = messages[0]!.data!.taskUpdated.status;
    const after = events.filter((e) => e.seq > sequences[0]!).filter((e, i) => i > 0 || e.status !== first);
    expect(messages.slice(1).map((m) => [Number(m.extensions!.sequence), m.data!.taskUpdated.status])).toEqual(after.map((e) => [e.seq, e.status]));
  });

  it('refuses a task of another tenant', async () => {
    const created = await platform.graphql<{ createTask: { id: string } }>('mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }', {
      input: { executeAt: new Date(Date.now() + 60_000).toISOString(), taskType: 'other_job', payload: {} },
    });
    const stranger = await createTestUser(platform.authUrl, 'engineer', 'stranger');
    const messages = await collect(client(stranger.authorization), taskUpdated, { id: created.data!.createTask.id }, () => true);
    expect(messages[0]!.errors![0]!.extensions?.code).toBe('RESOURCE_NOT_FOUND');
  });
});
