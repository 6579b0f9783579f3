import { nodeTypesRequest, requestSubject } from '@conveyor/contracts';
import { nodeDescriptors } from '@conveyor/nodes';
import { requestOverNats } from '@conveyor/service-runtime';
import { connectTestNats, createTestUser, type TestUser } from '@conveyor/testing';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDefinitionsPlatform, type DefinitionsPlatform } from '../../services/schemas/test/definitions-platform';

/** The node-type catalog through the real catalog and gateway processes, over REST, GraphQL and NATS. */
let platform: DefinitionsPlatform;
let nc: NatsConnection;
let analyst: TestUser;

beforeAll(async () => {
  platform = await startDefinitionsPlatform('node_types', ['auth', 'catalog']);
  nc = await connectTestNats();
  analyst = await createTestUser(platform.gatewayUrl, 'analyst', 'node-types');
});

afterAll(async () => {
  await nc?.drain();
  await platform?.destroy();
});

const get = (path: string) => fetch(`${platform.gatewayUrl}${path}`, { headers: { authorization: analyst.authorization } });

describe('GET /api/node-types', () => {
  it('lists every node type with its descriptor in snake_case', async () => {
    const response = await get('/api/node-types');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: Array<Record<string, unknown>>; total: number; limit: number; offset: number };
    expect(body.total).toBe(nodeDescriptors.length);
    expect(body.items.map((item) => item.type)).toEqual(nodeDescriptors.map((d) => d.type));
    const condition = body.items.find((item) => item.type === 'condition')!;
    expect(condition).toMatchObject({ category: 'logic', inputs: ['in'], outputs: ['true', 'false'], ports_from_config: null });
    expect(condition.config_schema).toMatchObject({ required: ['expression'] });
    const http = body.items.find((item) => item.type === 'http.request')!;
    expect(http.retry).toEqual({ attempts: 3, backoff_ms: 1000, max_backoff_ms: 30000 });
    expect(body.items.find((item) => item.type === 'switch')!.ports_from_config).toBe('/cases/*/port');
  });

  it('filters by category and pages with limit/offset, also under /api/v1', async () => {
    const triggers = (await (await get('/api/v1/node-types?category=trigger')).json()) as { items: Array<{ type: string }>; total: number };
    expect(triggers.items.map((t) => t.type)).toEqual(['trigger.manual', 'trigger.webhook', 'trigger.schedule']);
    expect(triggers.total).toBe(3);
    const page = (await (await get('/api/node-types?limit=2&offset=1')).json()) as { items: Array<{ type: string }>; limit: number; offset: number };
    expect(page).toMatchObject({ limit: 2, offset: 1 });
    expect(page.items.map((t) => t.type)).toEqual(nodeDescriptors.slice(1, 3).map((d) => d.type));
  });

  it('refuses an unknown category or paging parameter in the envelope', async () => {
    const response = await get('/api/node-types?category=magic');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; details: { issues: Array<{ path: string }> } } };
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.details.issues[0]!.path).toBe('/query/category');
    expect((await get('/api/node-types?limit=0')).status).toBe(400);
    expect((await get('/api/node-types?colour=red')).status).toBe(400);
  });
});

describe('authentication', () => {
  it('answers 401 in the envelope without a token, and with a forged one', async () => {
    const anonymous = await fetch(`${platform.gatewayUrl}/api/node-types`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('AUTH_FAILED');
    const forged = await fetch(`${platform.gatewayUrl}/api/node-types/noop`, { headers: { authorization: 'Bearer not.a.token' } });
    expect(forged.status).toBe(401);
  });
});

describe('GET /api/node-types/:type', () => {
  it('describes one type', async () => {
    const response = await get('/api/node-types/http.request');
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'http.request', version: 1, category: 'integration', inputs: ['in'], outputs: ['out'], timeout_ms: 300000 });
  });

  it('answers 404 in the envelope for an unknown type', async () => {
    const response = await get('/api/node-types/teleport');
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; message: string; request_id: string } };
    expect(body.error.code).toBe('RESOURCE_NOT_FOUND');
    expect(body.error.message).toContain('teleport');
    expect(body.error.request_id).toBeTruthy();
  });
});

describe('GraphQL and NATS', () => {
  it('serves nodeTypes(category) and nodeType(type) through the supergraph', async () => {
    const response = await fetch(`${platform.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: analyst.authorization },
      body: JSON.stringify({ query: '{ nodeTypes(category: flow) { type } nodeType(type: "switch") { outputs portsFromConfig retry { attempts } } }' }),
    });
    const body = (await response.json()) as { data: { nodeTypes: Array<{ type: string }>; nodeType: Record<string, unknown> } };
    expect(body.data.nodeTypes.map((t) => t.type)).toEqual(nodeDescriptors.filter((d) => d.category === 'flow').map((d) => d.type));
    expect(body.data.nodeType).toEqual({ outputs: ['default'], portsFromConfig: '/cases/*/port', retry: { attempts: 1 } });
  });

  it('answers node-types requests over NATS, leaving unknown names out', async () => {
    const answer = await requestOverNats({
      nc,
      subject: requestSubject(platform.prefix, 'catalog', nodeTypesRequest.verb),
      contract: nodeTypesRequest,
      payload: { types: ['condition', 'teleport', 'trigger.manual'] },
    });
    expect(answer.node_types.map((d) => d.type)).toEqual(['trigger.manual', 'condition']);
    const all = await requestOverNats({ nc, subject: requestSubject(platform.prefix, 'catalog', nodeTypesRequest.verb), contract: nodeTypesRequest, payload: {} });
    expect(all.node_types).toHaveLength(nodeDescriptors.length);
  });
});

describe('OpenAPI', () => {
  it('documents the node-type, schema and admin routes', async () => {
    const document = (await (await fetch(`${platform.gatewayUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths['/api/node-types/{type}']!)).toEqual(['get']);
    expect(Object.keys(document.paths['/api/schemas/{id}']!).sort()).toEqual(['delete', 'get', 'put']);
    expect(Object.keys(document.paths['/api/v1/schemas/{id}/versions/{version}']!)).toEqual(['get']);
    expect(Object.keys(document.paths['/api/v1/admin/schemas/{id}/permanent']!)).toEqual(['delete']);
  });
});
