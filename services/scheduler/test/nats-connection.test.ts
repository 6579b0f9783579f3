import { connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { testNatsUrl } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNoopHandler, type HandlerStats } from '../../../bench/scheduler/noop-handler';
import { drainThrough } from './drain-checks';
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

describe('NATS connection cut under the scheduler', () => {
  it('loses and doubles nothing when its NATS connection is cut mid-drain', async () => {
    let cut = 0;
    await drainThrough(platform, handler, 'cut_job', 3_000, async () => {
      for (let i = 0; i < 2; i += 1) {
        cut += sockets.size;
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    });
    expect(cut).toBeGreaterThan(0);
  });
});
