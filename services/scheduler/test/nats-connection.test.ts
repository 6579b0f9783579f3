import { connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { testNatsUrl } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNoopHandler, type HandlerStats } from '../../../bench/scheduler/noop-handler';
import { startSchedulerPlatform, type SchedulerPlatform } from './scheduler-platform';

/**
 * The scheduler's NATS connection cut in the middle of a drain, twice, as a NATS restart or a
 * network blip would cut it: the scheduler reconnects, and every task ends completed once, each
 * attempt handed out once. The scheduler reaches the real NATS server through a TCP relay that
 * the test can cut; the handler connects directly.
 */
let platform: SchedulerPlatform;
let handler: HandlerStats;
let proxy: Server;
const sockets = new Set<Socket>();

beforeAll(async () => {
  const target = new URL(testNatsUrl);
  proxy = createServer((client) => {
    const server = connectTcp(Number(target.port || 4222), target.hostname);
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(server).pipe(client);
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as { port: number }).port;
  platform = await startSchedulerPlatform('nats_cut');
  // The platform's first scheduler goes; one that reaches NATS through the relay takes its place.
  await platform.schedulers.shift()!.stop('SIGKILL');
  await platform.startScheduler({ NATS_URL: `nats://127.0.0.1:${port}` });
  handler = await startNoopHandler(platform.nc, platform.prefix, 'cut_job');
});

afterAll(async () => {
  await handler?.stop();
  await platform?.destroy();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => proxy?.close(resolve));
});

const statuses = async () =>
  Object.fromEntries(
    (await platform.sql.query(`select status, count(*)::int as n from scheduler.tasks where task_type = 'cut_job' group by status`)).rows.map((r) => [r.status, r.n]),
  ) as Record<string, number>;

describe('NATS connection cut under the scheduler', () => {
  it('loses and doubles nothing when its NATS connection is cut mid-drain', async () => {
    const count = 3_000;
    const scheduler = platform.schedulers[0]!;
    let exited: number | null | undefined;
    scheduler.child.once('exit', (code) => (exited = code));
    await platform.sql.query(
      `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at)
       select $1, 'cut_job', jsonb_build_object('n', n), now() + interval '1 second', now() + interval '1 second' from generate_series(1, $2) n`,
      [platform.tenant.tenantId, count],
    );
    while (handler.deliveries.size === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    let cut = 0;
    for (let i = 0; i < 2; i += 1) {
      cut += sockets.size;
      for (const socket of sockets) socket.destroy();
      // Cut while the drain is under way: completions need the scheduler to take reports.
      if (i === 0) expect((await statuses()).completed ?? 0).toBeLessThan(count);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(cut).toBeGreaterThan(0);

    while (exited === undefined && ((await statuses()).completed ?? 0) < count) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(exited, `the scheduler exited:\n${scheduler.output().slice(-2_000)}`).toBeUndefined();
    expect(await statuses()).toEqual({ completed: count });
    while (handler.reportsInFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const ids = (await platform.sql.query(`select id from scheduler.tasks where task_type = 'cut_job'`)).rows.map((r) => Number(r.id));
    expect(ids.filter((id) => !handler.accepted.has(id) && !handler.alreadyCompleted.has(id))).toEqual([]);
    expect([...handler.accepted.values()].filter((n) => n !== 1)).toEqual([]);
    expect([...handler.deliveries.values()].filter((n) => n !== 1)).toEqual([]);
  });
});
