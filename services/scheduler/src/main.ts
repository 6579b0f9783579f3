import { readFileSync } from 'node:fs';
import { createStatusService, startServiceRuntime } from '@conveyor/service-runtime';
import packageJson from '../package.json' with { type: 'json' };
import * as tables from './db/schema';
import { loadEnv } from './env';
import { createResolvers } from './graphql/resolvers';

const env = loadEnv();
const runtime = await startServiceRuntime({ service: 'scheduler', version: packageJson.version, env, tables });
const status = createStatusService(runtime);
await runtime.serveGraphQL(readFileSync(new URL('./graphql/schema.graphql', import.meta.url), 'utf8'), createResolvers({ status }));
await runtime.listen();
