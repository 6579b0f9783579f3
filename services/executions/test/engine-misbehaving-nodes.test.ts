import type { NodeModule } from '@conveyor/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abandonStep } from '../src/domain/process-step';
import { startEngineHarness, type EngineHarness } from './engine-harness';

/**
 * Executors that misbehave on purpose (test node types, registered next to the real ones): one
 * that never returns and ignores its signal, one whose errors are transient until it succeeds.
 */
let h: EngineHarness;

const hang: NodeModule = {
  descriptor: {
    type: 'test.hang',
    version: 1,
    category: 'action',
    title: 'Hang',
    description: 'never answers, ignores its signal',
    configSchema: {},
    inputs: ['in'],
    outputs: ['out'],
    retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 50 },
    timeoutMs: 300,
  },
  execute: () => new Promise(() => undefined),
};

const unstable: NodeModule = {
  descriptor: { ...hang.descriptor, type: 'test.unstable', retry: { attempts: 4, backoffMs: 20, maxBackoffMs: 40 }, timeoutMs: 1_000 },
  execute: async ({ attempt }) => {
    if (attempt < 3) throw new Error(`transient failure ${attempt}`);
    return { kind: 'output', output: { attempt } };
  },
};

beforeAll(async () => {
  h = await startEngineHarness('engine_misbehaving', { extraNodeModules: { 'test.hang': hang, 'test.unstable': unstable } });
});

afterAll(async () => {
  await h?.close();
});

describe('misbehaving executors', () => {
  it('abandons an executor at the descriptor\'s timeout, retries per policy, then fails the execution', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'stuck', type: 'test.hang' },
      ],
      edges: [{ source: 'start', target: 'stuck' }],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    const done = await h.waitForStatus(id);
    expect(done).toMatchObject({ status: 'failed', error: 'node stuck failed: step timed out after 300 ms' });
    const attempts = (await h.stepsOf(id)).filter((s) => s.nodeId === 'stuck');
    expect(attempts.map((s) => [s.attempt, s.status, s.error])).toEqual([
      [1, 'failed', 'step timed out after 300 ms'],
      [2, 'failed', 'step timed out after 300 ms'],
    ]);
  });

  it('retries transient errors with exponential backoff until an attempt succeeds', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'shaky', type: 'test.unstable' },
      ],
      edges: [{ source: 'start', target: 'shaky' }],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    const done = await h.waitForStatus(id);
    expect(done).toMatchObject({ status: 'completed', output: { attempt: 3 } });
    expect((await h.stepsOf(id)).filter((s) => s.nodeId === 'shaky').map((s) => [s.attempt, s.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'completed'],
    ]);
    const warnings = await h.service.logs(h.tenantId, id, { level: 'warn', limit: 10, offset: 0 });
    expect(warnings.items.map((l) => l.message)).toEqual([
      'step failed, retrying in 20 ms (attempt 2 of 4)',
      'step failed, retrying in 40 ms (attempt 3 of 4)',
    ]);
  });

  it('a node type the engine does not know fails the execution instead of leaving it running', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'ghost', type: 'does.not.exist' },
      ],
      edges: [{ source: 'start', target: 'ghost' }],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    expect(await h.waitForStatus(id)).toMatchObject({ status: 'failed', error: 'node ghost failed: unknown node type does.not.exist' });
  });

  it('a step the engine keeps failing to handle fails its execution instead of leaving it running', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'gate', type: 'approval' },
      ],
      edges: [{ source: 'start', target: 'gate' }],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    await h.waitForStatus(id, ['paused']);
    const gate = (await h.stepsOf(id)).find((s) => s.nodeId === 'gate')!;
    await abandonStep(h.engine.deps, gate.id, 'graph unreadable');
    const failed = await h.service.get(h.tenantId, id);
    expect(failed).toMatchObject({ status: 'failed', error: 'node gate could not run: graph unreadable' });
    expect((await h.stepsOf(id)).find((s) => s.nodeId === 'gate')!.status).toBe('cancelled');
  });
});
