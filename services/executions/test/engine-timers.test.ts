import { requestSubject } from '@conveyor/contracts';
import { migrateServices, startServiceProcess, type RunningProcess } from '@conveyor/testing';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchedulerTimers } from '../src/messaging/scheduler-timers';
import { startEngineHarness, type EngineHarness } from './engine-harness';

/** Delay and wait-until park their step; the real scheduler's timer wakes it (no worker waits). */
let h: EngineHarness;
let scheduler: RunningProcess | undefined;

beforeAll(async () => {
  const timerNc = await connect({ servers: process.env.NATS_URL || 'nats://127.0.0.1:4222' });
  let prefix = '';
  const timers = createSchedulerTimers({ nc: timerNc, subject: (verb) => requestSubject(prefix, 'scheduler', verb) });
  h = await startEngineHarness('engine_timers', { timers });
  prefix = h.prefix;
  await migrateServices(h.db.url, ['scheduler']);
  scheduler = await startServiceProcess('scheduler', { DATABASE_URL: h.db.url, NATS_PREFIX: h.prefix });
  afterAllClose = () => timerNc.drain();
});

let afterAllClose: () => Promise<void> = async () => undefined;

afterAll(async () => {
  await scheduler?.stop();
  await h?.close();
  await afterAllClose();
});

describe('timers', () => {
  it('a delay parks its step without a worker and the scheduler resumes it', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'wait', type: 'delay', config: { durationMs: 700 } },
        { id: 'after', type: 'transform', config: { expression: '{"woke": true, "n": n}' } },
      ],
      edges: [
        { source: 'start', target: 'wait' },
        { source: 'wait', target: 'after' },
      ],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: { n: 3 } });
    // Parked: running, claimed by no worker, waiting on a timer. A loaded machine may take a poll
    // longer than the delay, and a woken step no longer shows its wait, so the loop also ends
    // when the step has finished; the scheduler's timer row below proves the wake either way.
    let parked: Awaited<ReturnType<typeof h.stepsOf>>[number] | undefined;
    for (;;) {
      const step = (await h.stepsOf(id)).find((s) => s.nodeId === 'wait');
      if (step?.wait) parked = step;
      if (parked || step?.finishedAt) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (parked) expect(parked).toMatchObject({ status: 'running', claim: null, wait: { type: 'timer' } });
    const done = await h.waitForStatus(id);
    expect(done.status).toBe('completed');
    expect(done.output).toEqual({ woke: true, n: 3 });
    const wait = (await h.stepsOf(id)).find((s) => s.nodeId === 'wait')!;
    expect(wait.finishedAt!.getTime() - wait.startedAt!.getTime()).toBeGreaterThanOrEqual(650);
    const timers = await h.pool.query(`select status, source from scheduler.tasks where timer_key like $1`, [`${id}/%`]);
    expect(timers.rows).toEqual([{ status: 'completed', source: 'timer' }]);
  });

  it('stopping an execution that waits on a timer cancels it; the late timer changes nothing', async () => {
    // Three seconds: the poll below must see the step parked before its timer is due, also on a
    // loaded machine; the test then waits past that instant.
    const until = Date.now() + 3_000;
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'wait', type: 'wait.until', config: { until: new Date(until).toISOString() } },
        { id: 'after', type: 'noop' },
      ],
      edges: [
        { source: 'start', target: 'wait' },
        { source: 'wait', target: 'after' },
      ],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    while (!(await h.stepsOf(id)).find((s) => s.nodeId === 'wait')?.wait) await new Promise((resolve) => setTimeout(resolve, 20));
    await h.service.stop(h.tenantId, id);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, until + 500 - Date.now())));
    expect((await h.service.get(h.tenantId, id)).status).toBe('stopped');
    const steps = await h.stepsOf(id);
    expect(steps.find((s) => s.nodeId === 'wait')!.status).toBe('cancelled');
    expect(steps.some((s) => s.nodeId === 'after')).toBe(false);
  });
});
