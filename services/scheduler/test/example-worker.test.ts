import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSchedulerPlatform, type SchedulerPlatform } from './scheduler-platform';

/** The documented example worker (`examples/task-worker/worker.ts`) against a real scheduler. */
let platform: SchedulerPlatform;
let worker: ReturnType<typeof spawn>;
let output = '';

beforeAll(async () => {
  platform = await startSchedulerPlatform('example_worker');
  worker = spawn(process.execPath, ['--import', 'tsx', join(repositoryRoot, 'examples/task-worker/worker.ts')], {
    cwd: repositoryRoot,
    env: { ...process.env, NATS_PREFIX: platform.prefix, TASK_TYPE: 'send_email' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  worker.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  while (!output.includes('listening')) {
    if (worker.exitCode !== null) throw new Error(output);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});

afterAll(async () => {
  worker?.kill('SIGTERM');
  await platform?.destroy();
});

const create = async (payload: unknown, maxAttempts = 3) => {
  const result = await platform.graphql<{ createTask: { id: string } }>('mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }', {
    input: { executeAt: new Date(Date.now() + 500).toISOString(), taskType: 'send_email', payload, maxAttempts },
  });
  return result.data!.createTask.id;
};

const waitFinal = async (id: string) => {
  for (;;) {
    const { data } = await platform.graphql<{ task: { status: string; attempts: number; lastError: string | null } }>(`{ task(id: "${id}") { status attempts lastError } }`);
    if (data!.task.status === 'completed' || data!.task.status === 'failed') return data!.task;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('examples/task-worker', () => {
  it('completes a task it handles', async () => {
    const id = await create({ to: 'user@example.com' });
    expect(await waitFinal(id)).toEqual({ status: 'completed', attempts: 1, lastError: null });
    expect(output).toContain(`"handled":${id}`);
  });

  it('reports a thrown error; the scheduler retries, then fails the task with it', async () => {
    const id = await create({ to: 'nobody@example.com', fail: true }, 2);
    expect(await waitFinal(id)).toEqual({ status: 'failed', attempts: 2, lastError: 'cannot deliver to nobody@example.com' });
  });
});
