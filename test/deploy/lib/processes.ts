/**
 * The deployable processes and the environment each one reads, taken from the code itself: the
 * zod shapes the processes parse at start (services/<name>/src/env.ts `envShape`,
 * gateway/src/env.ts `gatewayEnvShape`). Helpers add variables to those shapes; the deploy checks
 * import them at test time, so compose and the manifests must follow.
 */
import type { parseEnv } from '@conveyor/service-runtime';
import { gatewayEnvShape, loadGatewayEnv } from '../../../gateway/src/env';
import { envShape as authEnvShape, loadEnv as loadAuthEnv } from '../../../services/auth/src/env';
import { envShape as catalogEnvShape, loadEnv as loadCatalogEnv } from '../../../services/catalog/src/env';
import { envShape as executionsEnvShape, loadEnv as loadExecutionsEnv } from '../../../services/executions/src/env';
import { envShape as schedulerEnvShape, loadEnv as loadSchedulerEnv } from '../../../services/scheduler/src/env';
import { envShape as schemasEnvShape, loadEnv as loadSchemasEnv } from '../../../services/schemas/src/env';

/** A zod raw shape, as the processes' env.ts export it (zod itself is not a root dependency). */
export type EnvShape = Parameters<typeof parseEnv>[0];

export type ProcessName = 'gateway' | 'auth' | 'schemas' | 'executions' | 'scheduler' | 'catalog';

export interface ProcessSpec {
  name: ProcessName;
  /** Where the shape is declared (named in failure messages). */
  envFile: string;
  envShape: EnvShape;
  /** The process's own loader: the shape plus its cross-variable rules (throws EnvError). */
  loadEnv: (source: Record<string, string | undefined>) => unknown;
}

export const processes: Record<ProcessName, ProcessSpec> = {
  gateway: { name: 'gateway', envFile: 'gateway/src/env.ts', envShape: gatewayEnvShape, loadEnv: loadGatewayEnv },
  auth: { name: 'auth', envFile: 'services/auth/src/env.ts', envShape: authEnvShape, loadEnv: loadAuthEnv },
  schemas: { name: 'schemas', envFile: 'services/schemas/src/env.ts', envShape: schemasEnvShape, loadEnv: loadSchemasEnv },
  executions: { name: 'executions', envFile: 'services/executions/src/env.ts', envShape: executionsEnvShape, loadEnv: loadExecutionsEnv },
  scheduler: { name: 'scheduler', envFile: 'services/scheduler/src/env.ts', envShape: schedulerEnvShape, loadEnv: loadSchedulerEnv },
  catalog: { name: 'catalog', envFile: 'services/catalog/src/env.ts', envShape: catalogEnvShape, loadEnv: loadCatalogEnv },
};

export const processNames = Object.keys(processes) as ProcessName[];
export const subgraphNames = processNames.filter((name) => name !== 'gateway');

export const isProcessName = (value: unknown): value is ProcessName => typeof value === 'string' && value in processes;

/**
 * What `node --import tsx scripts/migrate.ts` needs (scripts/platform.ts `readPlatformConfig`,
 * of which setupPlatform uses the database URL, the NATS URL and the prefix). A test checks that
 * readPlatformConfig still reads these names.
 */
export const migrateVariables = ['DATABASE_URL', 'NATS_URL', 'NATS_PREFIX'] as const;
export const migrateEnvFile = 'scripts/platform.ts';

/**
 * Paths every process serves (packages/service-runtime `registerHealthRoutes`, `registerMetrics`;
 * the gateway registers the same). test/deploy/processes.test.ts asks the real processes.
 */
export const servedPaths = ['/health', '/health/detailed', '/livez', '/readyz', '/metrics'] as const;

/**
 * Variables that carry credentials: they must come from a Secret (Kubernetes), never from a
 * ConfigMap or a literal in a manifest.
 */
export function isSecretVariable(name: string): boolean {
  return name === 'DATABASE_URL' || /PASSWORD|SECRET|PRIVATE|CREDENTIAL|ENCRYPTION|(^|_)KEK($|_)|(^|_)KEY$|(^|_)KEYS$/.test(name);
}

/** `scheme://user:password@host`: a URL that embeds a password. */
export const embedsPassword = (value: string): boolean => /^[a-z][a-z0-9+.-]*:\/\/[^/@:\s]+:[^/@\s]+@/i.test(value);
