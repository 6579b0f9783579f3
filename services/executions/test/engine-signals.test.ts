import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@conveyor/service-runtime';
import { connectTestNats, uniqueName } from '@conveyor/testing';
import type { NatsConnection } from 'nats';
import type { ExecutionRow } from '../src/db/execution-rows';
import { createEngineSignals, createFinishWaiter } from '../src/messaging/engine-signals';

let nc: NatsConnection;

beforeAll(async () => {
  nc = await connectTestNats();
});

afterAll(async () => {
  await nc?.drain();
});

function finalRow(id: string): ExecutionRow {
  const at = new Date();
  return {
    id, tenantId: 't', schemaId: 's', schemaVersion: 1, graphKey: 'g', status: 'completed', trigger: 'webhook', currentStep: 'b', startStep: 'a',
    input: null, triggerInfo: null, output: { done: true }, error: null, idempotencyKey: null, parentExecutionId: null, parentStepId: null,
    startedAt: at, finishedAt: at, updatedAt: at,
  };
}

describe('end signals', () => {
  it('wake a waiter of the same process with the row in hand, without the NATS signal', async () => {
    const waiter = createFinishWaiter({ nc, prefix: uniqueName('signals_waiter'), pool: null as never });
    // Another prefix: the published signal never reaches this waiter's subscription.
    const signals = createEngineSignals({ nc, prefix: uniqueName('signals_elsewhere'), wakeRelay: () => undefined, logger: createLogger('signals-test', 'warn'), localWaiters: waiter });
    try {
      const id = randomUUID();
      const expected = waiter.expect(id);
      const row = finalRow(id);
      signals.finished([row]);
      expect(await expected.wait(5_000)).toBe(row);
      // Nobody waits for another execution: nothing to wake, nothing breaks.
      signals.finished([finalRow(randomUUID())]);
    } finally {
      waiter.close();
    }
  });

  it('wake a waiter of another process through NATS with the final row', async () => {
    const prefix = uniqueName('signals_remote');
    const waiter = createFinishWaiter({ nc, prefix, pool: null as never });
    const signals = createEngineSignals({ nc, prefix, wakeRelay: () => undefined, logger: createLogger('signals-test', 'warn') });
    try {
      await nc.flush();
      const id = randomUUID();
      const expected = waiter.expect(id);
      signals.finished([finalRow(id)]);
      const woken = await expected.wait(5_000);
      expect(woken).toMatchObject({ id, status: 'completed', output: { done: true } });
      expect(woken!.finishedAt).toBeInstanceOf(Date);
    } finally {
      waiter.close();
    }
  });
});
