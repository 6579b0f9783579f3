import { commonEnvShape, parseEnv, portVariable } from '@conveyor/service-runtime';
import { z } from 'zod';

const subgraphUrl = (port: number) => z.url({ protocol: /^https?$/ }).default(`http://127.0.0.1:${port}/graphql`);
const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The gateway's environment. Subgraph URLs override those recorded in the composed supergraph. */
export const gatewayEnvShape = {
  ...commonEnvShape,
  PORT: portVariable(4000),
  AUTH_URL: subgraphUrl(4101),
  SCHEMAS_URL: subgraphUrl(4102),
  EXECUTIONS_URL: subgraphUrl(4103),
  SCHEDULER_URL: subgraphUrl(4104),
  CATALOG_URL: subgraphUrl(4105),
  SUBGRAPH_TIMEOUT_MS: positive(10_000),
  GRAPHQL_MAX_DEPTH: positive(12),
  GRAPHQL_MAX_ALIASES: positive(15),
  GRAPHQL_MAX_COST: positive(5_000),
  GRAPHQL_MAX_TOKENS: positive(2_000),
  // Live status (graphql-ws subscriptions and SSE) is fed from the EVENTS stream.
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_PREFIX: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, _ and - only').default('conveyor'),
  LIVE_INIT_TIMEOUT_MS: positive(10_000),
  LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: positive(100),
  LIVE_MAX_CONNECTIONS_PER_USER: positive(20),
  LIVE_KEEPALIVE_MS: positive(12_000),
  LIVE_SSE_HEARTBEAT_MS: positive(15_000),
  /**
   * Requests per minute per user (per client address without a valid token), shared by every
   * replica over NATS; 0 turns the limit off. Unset: 100 in production (`002_*.txt`), off otherwise.
   */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).optional(),
  /** Origins besides the gateway's own that may use the cookie login flow (comma-separated). */
  AUTH_COOKIE_ALLOWED_ORIGINS: z.string().default(''),
};

export type GatewayEnv = ReturnType<typeof loadGatewayEnv>;

export const loadGatewayEnv = (source: Record<string, string | undefined> = process.env) => parseEnv(gatewayEnvShape, source);
