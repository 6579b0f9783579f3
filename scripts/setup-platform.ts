import { platformStreams, serviceNames } from '@conveyor/contracts';
import { connectNats, createLogger, ensureDatabase, ensureStreams, migrateServiceSchema } from '@conveyor/service-runtime';
import { migrationsFolder, type PlatformConfig } from './platform';

/**
 * Creates the database if it is missing, applies every service's migrations and creates the
 * JetStream streams. Idempotent: the start command and the Kubernetes migration Job both run it.
 */
export async function setupPlatform(config: Pick<PlatformConfig, 'databaseUrl' | 'natsUrl' | 'natsPrefix'>): Promise<void> {
  await ensureDatabase(config.databaseUrl);
  for (const service of serviceNames) {
    await migrateServiceSchema({ url: config.databaseUrl, schemaName: service, migrationsFolder: migrationsFolder(service) });
  }
  const nc = await connectNats({ url: config.natsUrl, name: 'conveyor-setup', logger: createLogger('setup', 'warn') });
  try {
    await ensureStreams(nc, platformStreams(config.natsPrefix));
  } finally {
    await nc.drain();
  }
}
