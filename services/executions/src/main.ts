import { readFileSync } from 'node:fs';
import { createStatusService, startServiceRuntime } from '@conveyor/service-runtime';
import packageJson from '../package.json' with { type: 'json' };
import * as tables from './db/schema';
import { loadEnv } from './env';
import { createResolvers } from './graphql/resolvers';
import { startEngine } from './start-engine';

const env = loadEnv();
const runtime = await startServiceRuntime({ service: 'executions', version: packageJson.version, env, tables });
const status = createStatusService(runtime);
const engine = await startEngine({
  pool: runtime.pool,
  nc: runtime.nc,
  js: runtime.js,
  prefix: env.NATS_PREFIX,
  logger: runtime.logger,
  wakeRelay: () => runtime.relay.wake(),
  concurrency: env.STEP_CONCURRENCY,
  ackWaitMs: env.STEP_ACK_WAIT_MS,
});
runtime.onShutdown({ name: 'step workers', run: () => engine.stop() });
await runtime.serveGraphQL(
  readFileSync(new URL('./graphql/schema.graphql', import.meta.url), 'utf8'),
  createResolvers({ status, executions: engine.service }),
);
await runtime.listen();
