import { createLogger, installShutdown } from '@conveyor/service-runtime';
import packageJson from '../package.json' with { type: 'json' };
import { buildGatewayApp } from './app';
import { loadGatewayEnv } from './env';
import { routes } from './rest/routes/index';

const env = loadGatewayEnv();
const logger = createLogger('gateway', env.LOG_LEVEL);
const { app, setAcceptingWork } = await buildGatewayApp({ env, logger, routes, version: packageJson.version });
installShutdown({
  logger,
  timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  steps: () => [{ name: 'stop intake', run: async () => { setAcceptingWork(false); await app.close(); } }],
});
const address = await app.listen({ port: env.PORT, host: env.HOST });
setAcceptingWork(true);
logger.info({ address }, 'gateway listening');
