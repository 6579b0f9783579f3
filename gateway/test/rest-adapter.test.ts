import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createLogger } from '@conveyor/service-runtime';
import { HeaderMap } from '@apollo/server';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildGatewayApp } from '../src/app';
import { loadGatewayEnv, type GatewayEnv } from '../src/env';
import { registerGraphQLPost } from '../src/graphql-post';
import { createGraphQLServer } from '../src/graphql-server';
import type { DirectExecutor } from '../src/rest/direct-executor';
import { executeOperation } from '../src/rest/execute-operation';
import { defineRoute } from '../src/rest/route-table';
import { routes } from '../src/rest/routes/index';

/**
 * The gateway's own behaviour at its edges. The catalog subgraph URL points at a local HTTP
 * server that records what the gateway sends it: the only way to see the forwarded headers and
 * to make a subgraph slow. Everything else runs the real gateway in-process with `inject()`.
 */
let captured: IncomingHttpHeaders[] = [];
let delayMs = 0;
let subgraph: Server;
let gateway: FastifyInstance;
let env: GatewayEnv;

const status = { service: 'catalog', version: '0', instanceId: 'i', migrationsApplied: 1, outboxPending: 0, databaseLatencyMs: 1, checkedAt: '2026-01-01T00:00:00.000Z' };

const echoRoute = defineRoute({
  operationId: 'testEcho',
  method: 'POST',
  path: '/api/test/echo',
  summary: 'test route',
  tag: 'test',
  body: z.object({ name: z.string().min(1), count: z.number().int().positive() }),
  operation: 'query Echo { catalogStatus { service } }',
  variables: () => ({}),
  status: 201,
  respond: (data) => ({ ...(data.catalogStatus as object) }),
});

beforeAll(async () => {
  subgraph = createServer((req, res) => {
    captured.push(req.headers);
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { catalogStatus: status } }));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => subgraph.listen(0, '127.0.0.1', resolve));
  const address = subgraph.address() as { port: number };
  env = loadGatewayEnv({
    CATALOG_URL: `http://127.0.0.1:${address.port}/graphql`,
    AUTH_URL: 'http://127.0.0.1:1/graphql',
    SUBGRAPH_TIMEOUT_MS: '300',
    BODY_LIMIT_BYTES: '1024',
    GRAPHQL_MAX_DEPTH: '4',
    GRAPHQL_MAX_TOKENS: '200',
    NODE_ENV: 'test',
  });
  ({ app: gateway } = await buildGatewayApp({ env, logger: createLogger('gateway', 'silent'), routes: [...routes, echoRoute], version: 'test' }));
  await gateway.ready();
});

afterAll(async () => {
  await gateway.close();
  subgraph.closeAllConnections();
  await new Promise((resolve) => subgraph.close(resolve));
});

const graphql = (query: string, headers: Record<string, string> = {}) =>
  gateway.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify({ query }) });

describe('REST adapter', () => {
  it('runs the route operation and answers with the documented status and body', async () => {
    const response = await gateway.inject({ method: 'POST', url: '/api/test/echo', payload: { name: 'x', count: 1 } });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ service: 'catalog' });
  });

  it('serves /api routes under /api/v1 too', async () => {
    const response = await gateway.inject({ method: 'POST', url: '/api/v1/test/echo', payload: { name: 'x', count: 1 } });
    expect(response.statusCode).toBe(201);
  });

  it('answers an unknown route with 404 in the envelope and echoes the request id', async () => {
    const response = await gateway.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: { 'x-request-id': 'req-from-client-1' } });
    expect(response.statusCode).toBe(404);
    expect(response.headers['x-request-id']).toBe('req-from-client-1');
    expect(response.json()).toEqual({
      error: { code: 'ROUTE_NOT_FOUND', message: 'No route GET /api/v1/nothing-here', details: null, request_id: 'req-from-client-1' },
    });
  });

  it('generates a request id when the client sends none or an unusable one', async () => {
    const response = await gateway.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'bad id with spaces' } });
    const id = response.headers['x-request-id'] as string;
    expect(id).toMatch(/^req_[0-9a-f-]{36}$/);
    expect(response.json().error.request_id).toBe(id);
  });

  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    const response = await gateway.inject({ method: 'POST', url: '/api/test/echo', headers: { 'content-type': 'application/json' }, payload: '{"name": "x",' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('INVALID_JSON');
  });

  it('answers a body over the limit with 413 in the envelope', async () => {
    const response = await gateway.inject({ method: 'POST', url: '/api/test/echo', payload: { name: 'x'.repeat(2_000), count: 1 } });
    expect(response.statusCode).toBe(413);
    expect(response.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit_bytes: 1024 } });
  });

  it('answers a non-JSON content type with 415 in the envelope', async () => {
    const response = await gateway.inject({ method: 'POST', url: '/api/test/echo', headers: { 'content-type': 'text/plain' }, payload: 'name=x' });
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('reports every invalid field with a JSON pointer', async () => {
    const response = await gateway.inject({ method: 'POST', url: '/api/test/echo', payload: { name: '', count: -1, extra: true } });
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['/body/count', '/body/name']);
  });

  it('maps a subgraph that does not answer in time to 504 UPSTREAM_TIMEOUT', async () => {
    delayMs = 1_000;
    try {
      const response = await gateway.inject({ method: 'POST', url: '/api/test/echo', payload: { name: 'x', count: 1 } });
      expect(response.statusCode).toBe(504);
      expect(response.json().error.code).toBe('UPSTREAM_TIMEOUT');
    } finally {
      delayMs = 0;
    }
  });

  it('tells caches not to store GraphQL answers (they are per tenant)', async () => {
    const response = await graphql('{ catalogStatus { service } }');
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('maps an unreachable subgraph to 503 SERVICE_UNAVAILABLE', async () => {
    const response = await graphql('{ authStatus { service } }');
    expect(response.json().errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
  });
});

describe('GraphQL endpoint', () => {
  it('forwards the Authorization header and the request id, and strips identity headers', async () => {
    captured = [];
    const response = await graphql('{ catalogStatus { service } }', {
      authorization: 'Bearer abc.def.ghi',
      'x-request-id': 'req-forward-1',
      'x-tenant-id': 'tenant-of-someone-else',
      'x-user-id': 'admin',
      'x-user-role': 'admin',
    });
    expect(response.json()).toEqual({ data: { catalogStatus: { service: 'catalog' } } });
    expect(captured).toHaveLength(1);
    expect(captured[0]!.authorization).toBe('Bearer abc.def.ghi');
    expect(captured[0]!['x-request-id']).toBe('req-forward-1');
    for (const name of ['x-tenant-id', 'x-user-id', 'x-user-role']) expect(captured[0]![name]).toBeUndefined();
  });

  it('answers a syntax error with 400 and GRAPHQL_PARSE_FAILED', async () => {
    const response = await graphql('{ catalogStatus { service ');
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('refuses a query with more aliases than the limit without calling any subgraph', async () => {
    captured = [];
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: catalogStatus { service }`).join(' ');
    const response = await graphql(`{ ${aliases} }`);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(response.json().errors[0].message).toMatch(/alias/i);
    expect(captured).toHaveLength(0);
  });

  it('refuses a document over the token limit as a parse failure', async () => {
    const fields = Array.from({ length: 300 }, () => 'a').join(' ');
    const response = await graphql(`{ catalogStatus { ${fields} } }`);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('answers malformed JSON on /graphql in the GraphQL error shape', async () => {
    const response = await gateway.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: '{"query": ' });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].extensions.code).toBe('INVALID_JSON');
  });

  it('blocks a simple cross-site request (CSRF prevention)', async () => {
    const response = await gateway.inject({ method: 'GET', url: '/graphql?query=%7BcatalogStatus%7Bservice%7D%7D' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(/CSRF|preflight/i);
  });
});

describe('REST operations on the gateway executor', () => {
  /** Data, or the registry error's code, message and details: what a REST route turns into its answer. */
  const outcome = (run: Promise<Record<string, unknown>>) =>
    run.then(
      (data) => ({ data }),
      (error: { code?: string; message: string; details?: unknown }) => ({ code: error.code, message: error.message, details: error.details }),
    );

  it('answers every operation exactly as Apollo Server does (data, coercion and validation errors, unreachable subgraph)', async () => {
    const { apollo, direct: directExecutor } = createGraphQLServer(env, createLogger('gateway', 'silent'));
    const runOperation = directExecutor.runOperation;
    await apollo.start();
    try {
      const context = { requestId: 'r-1', logger: createLogger('gateway', 'silent'), authorization: 'Bearer t' };
      const cases: Array<[string, Record<string, unknown>]> = [
        ['query S { catalogStatus { service version } }', {}],
        ['query S($i: Boolean!) { catalogStatus @include(if: $i) { service } }', { i: true }],
        ['query S($i: Boolean!) { catalogStatus @include(if: $i) { service } }', { i: false }],
        ['query N($c: NodeCategory) { nodeTypes(category: $c) { __typename } }', { c: 'nope' }],
        ['query S($i: Boolean!) { catalogStatus @include(if: $i) { service } }', {}],
        ['query A { authStatus { service } }', {}],
        ['query V { catalogStatus { nope } }', {}],
      ];
      const results = [];
      for (const [operation, variables] of cases) {
        captured = [];
        const direct = await outcome(runOperation(operation, variables, context));
        const directHeaders = captured.map((h) => [h.authorization, h['x-request-id']]);
        captured = [];
        const viaApollo = await outcome(executeOperation(apollo, operation, variables, context));
        expect(direct).toEqual(viaApollo);
        expect(directHeaders).toEqual(captured.map((h) => [h.authorization, h['x-request-id']]));
        results.push(direct);
      }
      expect(results.map((r) => ('data' in r ? 'data' : r.code))).toEqual([
        'data', 'data', 'data', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'SERVICE_UNAVAILABLE', 'GRAPHQL_VALIDATION_FAILED',
      ]);
      expect(results[0]).toEqual({ data: { catalogStatus: { service: 'catalog', version: '0' } } });
      expect(results[2]).toEqual({ data: {} });
    } finally {
      await apollo.stop();
    }
  });
});

describe('POST /graphql on the direct executor', () => {
  it('answers exactly as Apollo Server does (body, status, content type), and leaves what it cannot prepare to Apollo', async () => {
    const logger = createLogger('gateway', 'silent');
    const { apollo, direct } = createGraphQLServer(env, logger);
    await apollo.start();
    const app = Fastify();
    let served = 0;
    const counting: DirectExecutor = {
      ...direct,
      tryExecute: async (request, context) => {
        const result = await direct.tryExecute(request, context);
        if (result) served += 1;
        return result;
      },
    };
    const context = () => ({ requestId: 'r-1', logger, authorization: 'Bearer t' });
    registerGraphQLPost(app, { apollo, direct: counting, path: '/graphql', context });
    try {
      const graphqlResponseJson = 'application/graphql-response+json, application/json;q=0.9';
      const cases: Array<{ body: Record<string, unknown>; accept?: string; direct: boolean }> = [
        { body: { query: '{ catalogStatus { service } }' }, direct: true },
        { body: { query: '{ catalogStatus { service } }' }, accept: graphqlResponseJson, direct: true },
        { body: { query: '{ catalogStatus { service } }', operationName: null, variables: null }, accept: '*/*', direct: true },
        { body: { query: 'query A { authStatus { service } } query B { catalogStatus { service } }', operationName: 'B' }, direct: true },
        { body: { query: 'query S($i: Boolean!) { catalogStatus @include(if: $i) { service } }', variables: { i: false } }, direct: true },
        { body: { query: 'query N($c: NodeCategory) { nodeTypes(category: $c) { __typename } }', variables: { c: 'nope' } }, direct: true },
        { body: { query: 'query S($i: Boolean!) { catalogStatus @include(if: $i) { service } }' }, direct: true },
        { body: { query: '{ authStatus { service } }' }, direct: true },
        { body: { query: '{ catalogStatus { nope } }' }, direct: false },
        { body: { query: '{ catalogStatus { service ' }, direct: false },
        { body: { query: 'query A { authStatus { service } } query B { catalogStatus { service } }' }, direct: false },
        { body: { query: 'query A { catalogStatus { service } }', operationName: 'Nope' }, direct: false },
        { body: { query: 'subscription { taskUpdated(id: "1") { id } }' }, direct: false },
        { body: { query: '{ catalogStatus { service } }' }, accept: 'text/html', direct: false },
        { body: { query: '{ catalogStatus { service } }', variables: '{}' }, direct: false },
        { body: { query: '{ catalogStatus { service } }', extensions: { persistedQuery: { version: 1, sha256Hash: 'x' } } }, direct: false },
      ];
      for (const { body, accept, direct: expectDirect } of cases) {
        const headers: Record<string, string> = { 'content-type': 'application/json', ...(accept ? { accept } : {}) };
        const before = served;
        const answer = await app.inject({ method: 'POST', url: '/graphql', headers, payload: JSON.stringify(body) });
        expect(served - before, JSON.stringify(body)).toBe(expectDirect ? 1 : 0);
        const reference = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: 'POST', headers: new HeaderMap(Object.entries(headers)), search: '', body },
          context: async () => context(),
        });
        expect(reference.body.kind).toBe('complete');
        expect({ status: answer.statusCode, type: answer.headers['content-type'], cache: answer.headers['cache-control'], body: answer.body }, JSON.stringify(body)).toEqual({
          status: reference.status ?? 200,
          type: reference.headers.get('content-type'),
          cache: reference.headers.get('cache-control'),
          body: reference.body.kind === 'complete' ? reference.body.string : '',
        });
      }
      expect(served).toBe(cases.filter((c) => c.direct).length);
    } finally {
      await app.close();
      await apollo.stop();
    }
  });
});

describe('documentation and health', () => {
  it('generates OpenAPI 3.1 from the route table, aliases included', async () => {
    const doc = (await gateway.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/test/echo'].post.requestBody.content['application/json'].schema.properties.count.type).toBe('integer');
    expect(doc.paths['/api/v1/test/echo'].post.responses['201']).toBeDefined();
    expect(doc.paths['/api/v1/platform/status'].get.operationId).toBe('getPlatformStatus');
    expect(doc.components.schemas.ErrorEnvelope.properties.error.required).toEqual(['code', 'message', 'details', 'request_id']);
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await gateway.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('swagger');
  });

  it('answers /health with the documented body', async () => {
    const body = (await gateway.inject({ method: 'GET', url: '/health' })).json();
    expect(body).toEqual({ status: 'healthy', version: 'test', timestamp: expect.any(String) });
  });

  it('reports each subgraph with its latency on /health/detailed and 503 when one is down', async () => {
    const response = await gateway.inject({ method: 'GET', url: '/health/detailed' });
    expect(response.statusCode).toBe(503);
    const body = response.json();
    expect(body.components.catalog.status).toBe('healthy');
    expect(body.components.catalog.latency_ms).toEqual(expect.any(Number));
    expect(body.components.auth.status).toBe('unhealthy');
  });

  it('serves Prometheus metrics', async () => {
    const response = await gateway.inject({ method: 'GET', url: '/metrics' });
    expect(response.body).toContain('http_request_duration_seconds_bucket');
  });
});

describe('production hardening', () => {
  it('turns introspection off when NODE_ENV is production', async () => {
    env = loadGatewayEnv({ NODE_ENV: 'production' });
    const { app } = await buildGatewayApp({ env, logger: createLogger('gateway', 'silent'), routes, version: 'test' });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ query: '{ __schema { types { name } } }' }),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors[0].message).toMatch(/introspection/i);
    } finally {
      await app.close();
    }
  });
});
