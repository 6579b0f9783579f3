import type { RestRoute } from '../route-table';
import { authRoutes } from './auth';
import { executionRoutes } from './executions';
import { nodeTypeRoutes } from './node-types';
import { platformRoutes } from './platform';
import { schemasRoutes } from './schemas';
import { taskRoutes } from './tasks';
import { triggerRoutes } from './triggers';
import { webhookRoutes } from './webhooks';

/**
 * Every endpoint of the REST surface, one file per domain. Each entry runs one fixed operation
 * through the supergraph.
 */
export const routes: RestRoute[] = [...platformRoutes, ...authRoutes, ...nodeTypeRoutes, ...schemasRoutes, ...taskRoutes, ...triggerRoutes, ...executionRoutes, ...webhookRoutes];
