import { connectNats, createLogger, installShutdown } from '@conveyor/service-runtime';
import packageJson from '../package.json' with { type: 'json' };
import { buildGatewayApp } from './app';
import { loadGatewayEnv } from './env';
import { routes } from './rest/routes/index';

const env = loadGatewayEnv();
const logger = createLogger('gateway', env.LOG_LEVEL);
// NATS feeds live status (subscriptions and SSE) from the EVENTS stream.
const nats = await connectNats({ url: env.NATS_URL, name: 'gateway', logger });
const { app, setAcceptingWork } = await buildGatewayApp({ env, logger, routes, version: packageJson.version, nats });
installShutdown({
  logger,
  timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  steps: () => [
    { name: 'stop intake', run: async () => { setAcceptingWork(false); await app.close(); } },
    { name: 'close nats', run: () => nats.drain() },
  ],
});
const address = await app.listen({ port: env.PORT, host: env.HOST });
setAcceptingWork(true);
logger.info({ address }, 'gateway listening');
