/**
 * The processes of the platform and how the start command configures them. Every value can be
 * overridden by an environment variable (listed in the README).
 */
import { join } from 'node:path';
import { serviceNames, type ServiceName } from '@conveyor/contracts';

export const repositoryRoot = join(import.meta.dirname, '..');

export const defaultPorts: Record<ServiceName | 'gateway', number> = {
  gateway: 4000,
  auth: 4101,
  schemas: 4102,
  executions: 4103,
  scheduler: 4104,
  catalog: 4105,
};

export interface PlatformConfig {
  /** The first admin of the default tenant, created by auth at start if missing. */
  admin: { username: string; password: string };
  databaseUrl: string;
  natsUrl: string;
  natsPrefix: string;
  host: string;
  ports: Record<ServiceName | 'gateway', number>;
}

const portVariable = (name: ServiceName | 'gateway') => `${name.toUpperCase()}_PORT`;

export function readPlatformConfig(source: Record<string, string | undefined> = process.env): PlatformConfig {
  const ports = { ...defaultPorts };
  for (const name of [...serviceNames, 'gateway'] as const) {
    const raw = source[portVariable(name)];
    if (raw === undefined || raw === '') continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${portVariable(name)} must be a TCP port, got ${JSON.stringify(raw)}`);
    ports[name] = port;
  }
  return {
    // Development defaults so a fresh clone can log in at once; production sets its own (or none).
    admin: { username: source.ADMIN_USERNAME || 'admin', password: source.ADMIN_PASSWORD || 'conveyor-admin' },
    databaseUrl: source.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/conveyor',
    natsUrl: source.NATS_URL || 'nats://127.0.0.1:4222',
    natsPrefix: source.NATS_PREFIX || 'conveyor',
    host: source.HOST || '127.0.0.1',
    ports,
  };
}

export const migrationsFolder = (service: ServiceName) => join(repositoryRoot, 'services', service, 'drizzle');
