import { join } from 'node:path';
import type { ServiceName } from '@conveyor/contracts';
import { migrateServiceSchema } from '@conveyor/service-runtime';
import { repositoryRoot } from './processes';

/** Applies the committed migrations of the given services to a test database. */
export async function migrateServices(databaseUrl: string, services: readonly ServiceName[]): Promise<void> {
  for (const service of services) {
    await migrateServiceSchema({ url: databaseUrl, schemaName: service, migrationsFolder: join(repositoryRoot, 'services', service, 'drizzle') });
  }
}
