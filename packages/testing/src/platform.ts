import { serviceNames } from '@conveyor/contracts';
import { adminDatabaseUrl, dropDatabase } from './database';
import { connectTestNats, deleteTestStreams } from './nats';
import { freePort, spawnStartCommand, waitForOk, type RunningProcess } from './processes';

export interface TestPlatform {
  process: RunningProcess;
  prefix: string;
  gatewayUrl: string;
  /** Port of each process by name (`gateway`, `auth`, …). */
  ports: Record<string, number>;
  /** Stops the platform and removes its database and streams. */
  destroy(): Promise<void>;
}

/**
 * Boots the whole platform with the start command on free ports, its own database (named after
 * `prefix`, created by the start command) and its own NATS prefix; waits for the gateway.
 */
export async function startTestPlatform(prefix: string, env: Record<string, string> = {}): Promise<TestPlatform> {
  const ports: Record<string, number> = {};
  for (const name of [...serviceNames, 'gateway']) ports[name] = await freePort();
  const databaseUrl = new URL(adminDatabaseUrl);
  databaseUrl.pathname = `/${prefix}`;
  const process = spawnStartCommand({
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [`${name.toUpperCase()}_PORT`, String(port)])),
    DATABASE_URL: databaseUrl.toString(),
    NATS_PREFIX: prefix,
    HOST: '127.0.0.1',
    ...env,
  });
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  await waitForOk(`${gatewayUrl}/readyz`, process, 90_000);
  return {
    process,
    prefix,
    gatewayUrl,
    ports,
    async destroy() {
      await process.stop();
      const nc = await connectTestNats();
      await deleteTestStreams(nc, prefix);
      await nc.drain();
      await dropDatabase(prefix);
    },
  };
}
