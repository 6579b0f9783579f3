import type { ServiceName } from '@conveyor/contracts';
import {
  connectTestNats,
  createTestDatabase,
  createTestStreams,
  deleteTestStreams,
  migrateServices,
  startServiceProcess,
  uniqueName,
  type RunningProcess,
} from '@conveyor/testing';

/** The real processes a definitions test talks to: the named services and the gateway, on free ports. */
export interface DefinitionsPlatform {
  prefix: string;
  databaseUrl: string;
  gatewayUrl: string;
  processes: Record<string, RunningProcess & { url: string }>;
  destroy(): Promise<void>;
}

/**
 * Starts `services` (from their `src/main.ts`) and the gateway against a fresh database and a NATS
 * prefix of their own, with the platform's streams. Cheaper than the whole start command on the
 * shared 2-core machine, and independent of services this area does not need.
 */
export async function startDefinitionsPlatform(label: string, services: ServiceName[], env: Record<string, string> = {}): Promise<DefinitionsPlatform> {
  const prefix = uniqueName(label);
  const database = await createTestDatabase(label);
  await migrateServices(database.url, services);
  const nc = await connectTestNats();
  await createTestStreams(nc, prefix);
  await nc.drain();
  const common = { DATABASE_URL: database.url, NATS_PREFIX: prefix, ...env };
  const processes: Record<string, RunningProcess & { url: string }> = {};
  const stopAll = async () => {
    for (const running of Object.values(processes).reverse()) await running.stop();
  };
  try {
    for (const service of services) processes[service] = await startServiceProcess(service, common);
    const urls = Object.fromEntries(services.map((service) => [`${service.toUpperCase()}_URL`, `${processes[service]!.url}/graphql`]));
    processes.gateway = await startServiceProcess('gateway', { ...common, ...urls });
  } catch (error) {
    await stopAll();
    await database.drop();
    throw error;
  }
  return {
    prefix,
    databaseUrl: database.url,
    gatewayUrl: processes.gateway.url,
    processes,
    async destroy() {
      await stopAll();
      const cleanup = await connectTestNats();
      await deleteTestStreams(cleanup, prefix);
      await cleanup.drain();
      await database.drop();
    },
  };
}
