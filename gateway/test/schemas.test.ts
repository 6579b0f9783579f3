import { randomUUID } from 'node:crypto';
import { requestSubject, schemaVersionRequest, type EventEnvelope } from '@conveyor/contracts';
import { requestOverNats } from '@conveyor/service-runtime';
import { connectTestNats, createTestTenant, type TestTenant, type TestUser } from '@conveyor/testing';
import type { NatsConnection, Subscription } from 'nats';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDefinitionsPlatform, type DefinitionsPlatform } from '../../services/schemas/test/definitions-platform';

/**
 * Schemas through the real auth, catalog, schemas and gateway processes: REST as documented in
 * `000_*.txt` 4.1/5.1, validation (node types asked of the catalog over NATS), versions and
 * optimistic concurrency, lifecycle, roles and tenants, the webhook secret, the engine's NATS
 * request and the outbox events.
 */
let platform: DefinitionsPlatform;
let nc: NatsConnection;
let events: EventEnvelope[] = [];
let eventSubscription: Subscription;
let tenant: TestTenant;
let engineer: TestUser;
let analyst: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  platform = await startDefinitionsPlatform('schemas', ['auth', 'catalog', 'schemas'], { SCHEMAS_MAX_NODES: '40', SCHEMAS_MAX_CONFIG_BYTES: '4096' });
  nc = await connectTestNats();
  eventSubscription = nc.subscribe(`${platform.prefix}.schemas.schema.*`, {
    callback: (_, msg) => void events.push(JSON.parse(new TextDecoder().decode(msg.data)) as EventEnvelope),
  });
  tenant = await createTestTenant(platform.gatewayUrl, 'schemas');
  [engineer, analyst] = await Promise.all([tenant.addUser('engineer'), tenant.addUser('analyst')]);
  stranger = await (await createTestTenant(platform.gatewayUrl, 'other')).addUser('engineer');
});

afterAll(async () => {
  eventSubscription?.unsubscribe();
  await nc?.drain();
  await platform?.destroy();
});

interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

async function call<T = Record<string, unknown>>(user: TestUser | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const response = await fetch(`${platform.gatewayUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(user ? { authorization: user.authorization } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

interface ErrorBody {
  error: { code: string; message: string; details: { issues?: Array<{ path: string; message: string }> } & Record<string, unknown>; request_id: string };
}

const linear = () => ({
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'double', type: 'transform', config: { expression: '{"n": n * 2}' } },
    { id: 'check', type: 'condition', config: { expression: 'n > 10' } },
    { id: 'big', type: 'log', config: { message: 'big' } },
    { id: 'small', type: 'noop' },
  ],
  edges: [
    { source: 'start', target: 'double' },
    { source: 'double', target: 'check' },
    { source: 'check', source_port: 'true', target: 'big' },
    { source: 'check', source_port: 'false', target: 'small' },
  ],
});

const uniqueName = (label: string) => `${label} ${randomUUID().slice(0, 8)}`;

async function createSchema(user: TestUser, overrides: Record<string, unknown> = {}) {
  const answer = await call<Record<string, any>>(user, 'POST', '/api/schemas', { name: uniqueName('flow'), description: 'd', ...linear(), ...overrides });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

async function waitForEvent(predicate: (event: EventEnvelope) => boolean): Promise<EventEnvelope> {
  for (;;) {
    const found = events.find(predicate);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('POST and GET /api/schemas', () => {
  it('creates a schema as documented, normalizing ports and edge ids', async () => {
    const answer = await call<Record<string, any>>(engineer, 'POST', '/api/schemas', { name: uniqueName('Orders'), description: 'routes orders', ...linear() });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('etag')).toBe('"1"');
    const schema = answer.body;
    expect(Object.keys(schema).sort()).toEqual(['created_at', 'description', 'edges', 'id', 'name', 'nodes', 'status', 'updated_at', 'version']);
    expect(schema).toMatchObject({ description: 'routes orders', status: 'draft', version: 1 });
    expect(schema.nodes[0]).toEqual({ id: 'start', type: 'trigger.manual', config: {} });
    expect(schema.edges[0]).toEqual({ id: 'start:out->double:in', source: 'start', source_port: 'out', target: 'double', target_port: 'in' });
    expect(schema.edges[2]).toMatchObject({ source: 'check', source_port: 'true', target: 'big' });

    const read = await call<Record<string, any>>(analyst, 'GET', `/api/schemas/${schema.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(schema);
    expect(read.headers.get('etag')).toBe('"1"');
    expect((await call(analyst, 'GET', `/api/v1/schemas/${schema.id}`)).status).toBe(200);
    await waitForEvent((e) => e.type === `${platform.prefix}.schemas.schema.created` && e.entity.id === schema.id && e.tenant_id === tenant.tenantId);
  });

  it('lists with status and name filters and limit/offset', async () => {
    const tag = randomUUID().slice(0, 8);
    const a = await createSchema(engineer, { name: `list-${tag}-alpha` });
    const b = await createSchema(engineer, { name: `list-${tag}-beta`, status: 'active' });
    const all = await call<{ items: Array<{ id: string }>; total: number; limit: number; offset: number }>(analyst, 'GET', `/api/schemas?name=${tag}`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 2, limit: 20, offset: 0 });
    expect(all.body.items.map((s) => s.id)).toEqual([b.id, a.id]);
    const active = await call<{ items: Array<{ id: string }>; total: number }>(analyst, 'GET', `/api/schemas?name=${tag.toUpperCase()}&status=active`);
    expect(active.body.items.map((s) => s.id)).toEqual([b.id]);
    const second = await call<{ items: Array<{ id: string }> }>(analyst, 'GET', `/api/schemas?name=${tag}&limit=1&offset=1`);
    expect(second.body.items.map((s) => s.id)).toEqual([a.id]);
    expect((await call<{ total: number }>(analyst, 'GET', '/api/schemas?name=%25')).body.total).toBe(0);
    expect((await call<ErrorBody>(analyst, 'GET', '/api/schemas?name=a%00b')).status).toBe(400);
  });

  it('refuses a duplicate name in the tenant with 409', async () => {
    const name = uniqueName('dup');
    await createSchema(engineer, { name });
    const again = await call<ErrorBody>(engineer, 'POST', '/api/schemas', { name: name.toUpperCase(), ...linear() });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('DUPLICATE_RESOURCE');
  });
});

describe('validation', () => {
  it('reports every problem of a graph at once with JSON pointers, and writes nothing', async () => {
    const before = (await call<{ total: number }>(engineer, 'GET', '/api/schemas?limit=1')).body.total;
    const answer = await call<ErrorBody>(engineer, 'POST', '/api/schemas', {
      name: uniqueName('broken'),
      nodes: [
        { id: 'start', type: 'trigger.webhook' },
        { id: 'call', type: 'http.request', config: { url: 'ftp://nope', method: 'BREW', retries: 3 } },
        { id: 'call', type: 'noop' },
        { id: 'map', type: 'transform', config: { expression: '{"a": ' } },
        { id: 'mystery', type: 'teleport' },
        { id: 'gate', type: 'condition', config: { expression: 'ok' } },
        { id: 'loop1', type: 'noop' },
        { id: 'loop2', type: 'noop' },
      ],
      edges: [
        { source: 'start', target: 'call' },
        { source: 'start', target: 'ghost' },
        { source: 'start', target: 'gate' },
        { source: 'gate', target: 'map' },
        { source: 'gate', source_port: 'maybe', target: 'map' },
        { source: 'gate', source_port: 'true', target: 'start' },
        { source: 'loop1', target: 'loop2' },
        { source: 'loop2', target: 'loop1' },
      ],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_ERROR');
    const issues = answer.body.error.details.issues!;
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/nodes/1/config/url',
        '/nodes/1/config/method',
        '/nodes/1/config/retries',
        '/nodes/2/id',
        '/nodes/3/config/expression',
        '/nodes/4/type',
        '/edges/1/target',
        '/edges/3/source_port',
        '/edges/4/source_port',
        '/edges/5/target',
      ]),
    );
    expect(issues.find((i) => i.path === '/nodes/3/config/expression')!.message).toMatch(/invalid JSONata expression/);
    expect(issues.find((i) => i.path === '/nodes/4/type')!.message).toContain('teleport');
    expect(issues.some((i) => i.path === '/edges/6' || i.path === '/edges/7')).toBe(true); // the loop1 <-> loop2 cycle
    expect(issues.some((i) => i.path === '/nodes/6' && /not reachable/.test(i.message))).toBe(true);
    expect((await call<{ total: number }>(engineer, 'GET', '/api/schemas?limit=1')).body.total).toBe(before);
  });

  it('needs a trigger, and checks switch ports from its config', async () => {
    const noTrigger = await call<ErrorBody>(engineer, 'POST', '/api/schemas', { name: uniqueName('x'), nodes: [{ id: 'a', type: 'noop' }], edges: [] });
    expect(noTrigger.status).toBe(400);
    expect(noTrigger.body.error.details.issues).toEqual([expect.objectContaining({ path: '/nodes', message: expect.stringMatching(/trigger/) })]);
    const routed = await createSchema(engineer, {
      nodes: [
        { id: 't', type: 'trigger.manual' },
        { id: 's', type: 'switch', config: { cases: [{ port: 'eu', when: 'region = "eu"' }] } },
        { id: 'eu', type: 'noop' },
        { id: 'other', type: 'noop' },
      ],
      edges: [
        { source: 't', target: 's' },
        { source: 's', source_port: 'eu', target: 'eu' },
        { source: 's', source_port: 'default', target: 'other' },
      ],
    });
    expect(routed.edges[1]).toMatchObject({ source_port: 'eu' });
    const wrongPort = await call<ErrorBody>(engineer, 'PUT', `/api/schemas/${routed.id}`, {
      edges: [{ source: 't', target: 's' }, { source: 's', source_port: 'us', target: 'eu' }, { source: 's', source_port: 'default', target: 'other' }],
    });
    expect(wrongPort.status).toBe(400);
    expect(wrongPort.body.error.details.issues![0]!.path).toBe('/edges/1/source_port');
  });

  it('lets a subflow start only a live schema of the same tenant', async () => {
    const child = await createSchema(engineer);
    const foreign = await createSchema(stranger);
    const parent = (schemaId: string) => ({
      name: uniqueName('parent'),
      nodes: [{ id: 't', type: 'trigger.manual' }, { id: 'sub', type: 'subflow', config: { schemaId, input: '{"n": n}' } }],
      edges: [{ source: 't', target: 'sub' }],
    });
    expect((await call(engineer, 'POST', '/api/schemas', parent(child.id))).status).toBe(201);
    for (const schemaId of [foreign.id, randomUUID()]) {
      const refused = await call<ErrorBody>(engineer, 'POST', '/api/schemas', parent(schemaId));
      expect(refused.status).toBe(400);
      expect(refused.body.error.details.issues).toEqual([{ path: '/nodes/1/config/schemaId', message: `no schema ${schemaId} in this tenant` }]);
    }
  });

  it('refuses bad input in the envelope: unknown and mistyped fields, non-UUID ids, limits', async () => {
    const unknownField = await call<ErrorBody>(engineer, 'POST', '/api/schemas', { name: 'x', nodes: [], edges: [], owner: 'me' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.details.issues![0]!.path).toBe('/body');
    const mistyped = await call<ErrorBody>(engineer, 'POST', '/api/schemas', { name: 42, nodes: {}, edges: [] });
    expect(mistyped.status).toBe(400);
    expect(mistyped.body.error.details.issues!.map((i) => i.path).sort()).toEqual(['/body/name', '/body/nodes']);
    const nodeField = await call<ErrorBody>(engineer, 'POST', '/api/schemas', { name: uniqueName('x'), nodes: [{ id: 't', type: 'trigger.manual', colour: 'red' }], edges: [] });
    expect(nodeField.status).toBe(400);
    expect(nodeField.body.error.details.issues![0]!.path).toBe('/nodes/0');
    expect((await call<ErrorBody>(analyst, 'GET', '/api/schemas/not-a-uuid')).status).toBe(400);
    expect((await call<ErrorBody>(analyst, 'GET', `/api/schemas/${randomUUID()}`)).status).toBe(404);
    expect((await call<ErrorBody>(analyst, 'GET', '/api/schemas?limit=1000')).status).toBe(400);
    expect((await call<ErrorBody>(engineer, 'POST', '/api/schemas', { name: '   ', ...linear() })).body.error.details.issues![0]!.path).toBe('/name');

    const many = Array.from({ length: 41 }, (_, i) => ({ id: `n${i}`, type: i === 0 ? 'trigger.manual' : 'noop' }));
    const tooMany = await call<ErrorBody>(engineer, 'POST', '/api/schemas', { name: uniqueName('big'), nodes: many, edges: [] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details.issues![0]).toMatchObject({ path: '/nodes', message: 'at most 40 nodes' });
    const bigConfig = await call<ErrorBody>(engineer, 'POST', '/api/schemas', {
      name: uniqueName('big'),
      nodes: [{ id: 't', type: 'trigger.schedule', config: { cron: '* * * * *', input: { blob: 'x'.repeat(5000) } } }],
      edges: [],
    });
    expect(bigConfig.status).toBe(400);
    expect(bigConfig.body.error.details.issues![0]!.path).toBe('/nodes/0/config');
    const nul = await call<ErrorBody>(engineer, 'POST', '/api/schemas', {
      name: uniqueName('nul\u0000'),
      nodes: [{ id: 't', type: 'trigger.schedule', name: 'lone \ud800', config: { cron: '* * * * *', input: { 'k\u0000': 'v' } } }],
      edges: [],
    });
    expect(nul.status).toBe(400);
    expect(nul.body.error.details.issues!.map((i) => i.path)).toEqual(['/name', '/nodes/0/config/input/k\u0000', '/nodes/0/name']);
    const deep = (levels: number) => JSON.parse(`${'['.repeat(levels)}1${']'.repeat(levels)}`);
    const definition = (levels: number) => ({ name: uniqueName('deep'), nodes: [{ id: 't', type: 'trigger.schedule', config: { cron: '* * * * *', input: deep(levels) } }], edges: [] });
    // Deeper than a node config may be, though the body itself is within the gateway's 100 levels.
    const nested = await call<ErrorBody>(engineer, 'POST', '/api/schemas', definition(40));
    expect(nested.status).toBe(400);
    expect(nested.body.error.details.issues![0]).toEqual({ path: '/nodes/0/config', message: 'config nests deeper than 32 levels' });
    // Deeper than any body may be: refused as it is parsed.
    const deeper = await call<ErrorBody>(engineer, 'POST', '/api/schemas', definition(1_500));
    expect(deeper.status).toBe(400);
    expect(deeper.body.error).toMatchObject({ code: 'INVALID_JSON', details: { max_depth: 100 } });
  });
});

describe('versions and concurrency', () => {
  it('writes an immutable version per change and keeps the old ones readable', async () => {
    const schema = await createSchema(engineer);
    const graph = linear();
    graph.nodes[1]!.config = { expression: '{"n": n * 3}' };
    const updated = await call<Record<string, any>>(engineer, 'PUT', `/api/schemas/${schema.id}`, { nodes: graph.nodes }, { 'if-match': '"1"' });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);
    expect(updated.headers.get('etag')).toBe('"2"');
    expect(updated.body.nodes[1].config.expression).toBe('{"n": n * 3}');

    const renamed = await call<Record<string, any>>(engineer, 'PUT', `/api/schemas/${schema.id}`, { description: 'renamed', version: 2 });
    expect(renamed.body.version).toBe(3);
    const unchanged = await call<Record<string, any>>(engineer, 'PUT', `/api/schemas/${schema.id}`, { description: 'renamed' });
    expect(unchanged.body.version).toBe(3);

    const versions = await call<{ items: Array<Record<string, unknown>>; total: number }>(analyst, 'GET', `/api/schemas/${schema.id}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body.total).toBe(3);
    expect(versions.body.items.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(versions.body.items[0]).toMatchObject({ schema_id: schema.id, description: 'renamed', created_by: engineer.userId });
    const first = await call<Record<string, any>>(analyst, 'GET', `/api/schemas/${schema.id}/versions/1`);
    expect(first.body.nodes[1].config.expression).toBe('{"n": n * 2}');
    expect((await call<ErrorBody>(analyst, 'GET', `/api/schemas/${schema.id}/versions/9`)).status).toBe(404);
    expect((await call<ErrorBody>(analyst, 'GET', `/api/schemas/${schema.id}/versions/zero`)).status).toBe(400);
    const event = await waitForEvent((e) => e.type.endsWith('.schemas.schema.updated') && e.entity.id === schema.id && e.data.version === 2);
    expect(event.data.fields).toEqual(['nodes']);
  });

  it('answers 409 to a stale If-Match or version, and never loses a concurrent update', async () => {
    const schema = await createSchema(engineer);
    const stale = await call<ErrorBody>(engineer, 'PUT', `/api/schemas/${schema.id}`, { description: 'late' }, { 'if-match': '"7"' });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'CONFLICT', details: { expected_version: 7, current_version: 1 } });
    expect((await call<ErrorBody>(engineer, 'PUT', `/api/schemas/${schema.id}`, { description: 'late', version: 4 })).status).toBe(409);
    expect((await call<ErrorBody>(engineer, 'PUT', `/api/schemas/${schema.id}`, { description: 'x' }, { 'if-match': 'soon' })).status).toBe(400);

    const racers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call<Record<string, any>>(engineer, 'PUT', `/api/schemas/${schema.id}`, { description: `racer ${i}` }, { 'if-match': '"1"' })),
    );
    const winners = racers.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(racers.filter((r) => r.status === 409)).toHaveLength(5);
    const after = await call<Record<string, any>>(analyst, 'GET', `/api/schemas/${schema.id}`);
    expect(after.body).toMatchObject({ version: 2, description: winners[0]!.body.description });

    // Without a precondition every update applies, each on top of the previous one.
    const unconditioned = await Promise.all(Array.from({ length: 4 }, (_, i) => call(engineer, 'PUT', `/api/schemas/${schema.id}`, { description: `free ${i}` })));
    expect(unconditioned.every((r) => r.status === 200)).toBe(true);
    const versions = await call<{ total: number }>(analyst, 'GET', `/api/schemas/${schema.id}/versions`);
    expect(versions.body.total).toBe(6);
  });
});

describe('lifecycle, roles and tenants', () => {
  it('moves draft → active → archived → draft and refuses draft → archived', async () => {
    const schema = await createSchema(engineer);
    const archiveDraft = await call<ErrorBody>(engineer, 'PUT', `/api/schemas/${schema.id}`, { status: 'archived' });
    expect(archiveDraft.status).toBe(409);
    expect(archiveDraft.body.error.code).toBe('CONFLICT');
    for (const status of ['active', 'archived', 'draft', 'active']) {
      const answer = await call<Record<string, any>>(engineer, 'PUT', `/api/schemas/${schema.id}`, { status });
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe(status);
    }
    expect((await call<ErrorBody>(engineer, 'POST', '/api/schemas', { name: uniqueName('a'), status: 'archived', ...linear() })).status).toBe(400);
  });

  it('lets analysts read but not write, and needs a token', async () => {
    const schema = await createSchema(engineer);
    const write = await call<ErrorBody>(analyst, 'POST', '/api/schemas', { name: uniqueName('nope'), ...linear() });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('PERMISSION_DENIED');
    expect((await call(analyst, 'PUT', `/api/schemas/${schema.id}`, { description: 'x' })).status).toBe(403);
    expect((await call(analyst, 'DELETE', `/api/schemas/${schema.id}`)).status).toBe(403);
    expect((await call(analyst, 'GET', `/api/schemas/${schema.id}/webhook-secret`)).status).toBe(403);
    const anonymous = await call<ErrorBody>(null, 'GET', '/api/schemas');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('AUTH_FAILED');
  });

  it('keeps tenants apart', async () => {
    const schema = await createSchema(engineer);
    expect((await call(stranger, 'GET', `/api/schemas/${schema.id}`)).status).toBe(404);
    expect((await call(stranger, 'PUT', `/api/schemas/${schema.id}`, { description: 'mine' })).status).toBe(404);
    expect((await call(stranger, 'DELETE', `/api/schemas/${schema.id}`)).status).toBe(404);
    const theirs = await call<{ items: Array<{ id: string }> }>(stranger, 'GET', '/api/schemas?limit=100');
    expect(theirs.body.items.some((s) => s.id === schema.id)).toBe(false);
    // The same name is free in another tenant.
    expect((await call(stranger, 'POST', '/api/schemas', { name: schema.name, ...linear() })).status).toBe(201);
  });

  it('gives engineers the webhook secret and rotates it', async () => {
    const schema = await createSchema(engineer);
    const secret = await call<Record<string, string>>(engineer, 'GET', `/api/schemas/${schema.id}/webhook-secret`);
    expect(secret.status).toBe(200);
    expect(secret.body.schema_id).toBe(schema.id);
    expect(secret.body.webhook_secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const rotated = await call<Record<string, string>>(engineer, 'POST', `/api/schemas/${schema.id}/webhook-secret/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.webhook_secret).not.toBe(secret.body.webhook_secret);
    expect((await call<Record<string, string>>(engineer, 'GET', `/api/schemas/${schema.id}/webhook-secret`)).body.webhook_secret).toBe(rotated.body.webhook_secret);
    expect((await call<Record<string, any>>(analyst, 'GET', `/api/schemas/${schema.id}`)).body.version).toBe(1);
    const event = await waitForEvent((e) => e.type.endsWith('.schemas.schema.updated') && e.entity.id === schema.id);
    expect(event.data.fields).toEqual(['webhook_secret']);
    expect(JSON.stringify(event)).not.toContain(rotated.body.webhook_secret);
  });
});

describe('schema-version over NATS (for the engine)', () => {
  const subject = () => requestSubject(platform.prefix, 'schemas', schemaVersionRequest.verb);

  it('answers the latest or a given version with status and webhook secret, scoped by tenant', async () => {
    const schema = await createSchema(engineer, { status: 'active' });
    await call(engineer, 'PUT', `/api/schemas/${schema.id}`, { description: 'v2' });
    const secret = (await call<Record<string, string>>(engineer, 'GET', `/api/schemas/${schema.id}/webhook-secret`)).body.webhook_secret;
    const latest = await requestOverNats({ nc, subject: subject(), contract: schemaVersionRequest, payload: { tenant_id: tenant.tenantId, schema_id: schema.id } });
    expect(latest).toMatchObject({ schema_id: schema.id, tenant_id: tenant.tenantId, status: 'active', version: 2, latest_version: 2, webhook_secret: secret, deleted_at: null });
    expect(latest.edges[0]).toEqual({ id: 'start:out->double:in', source: 'start', source_port: 'out', target: 'double', target_port: 'in' });
    const byIdAlone = await requestOverNats({ nc, subject: subject(), contract: schemaVersionRequest, payload: { schema_id: schema.id } });
    expect(byIdAlone).toMatchObject({ tenant_id: tenant.tenantId, version: 2, webhook_secret: secret });
    const first = await requestOverNats({ nc, subject: subject(), contract: schemaVersionRequest, payload: { tenant_id: tenant.tenantId, schema_id: schema.id, version: 1 } });
    expect(first).toMatchObject({ version: 1, latest_version: 2 });
    await expect(
      requestOverNats({ nc, subject: subject(), contract: schemaVersionRequest, payload: { tenant_id: stranger.tenantId, schema_id: schema.id } }),
    ).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    await expect(
      requestOverNats({ nc, subject: subject(), contract: schemaVersionRequest, payload: { tenant_id: tenant.tenantId, schema_id: schema.id, version: 5 } }),
    ).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    await expect(
      requestOverNats({ nc, subject: subject(), contract: schemaVersionRequest, payload: { tenant_id: tenant.tenantId, schema_id: 'nope' } }),
    ).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    await expect(
      requestOverNats({ nc, subject: subject(), contract: schemaVersionRequest, payload: { tenant_id: 'a\u0000b', schema_id: schema.id } }),
    ).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });

    expect((await call(engineer, 'DELETE', `/api/schemas/${schema.id}`)).status).toBe(204);
    await expect(
      requestOverNats({ nc, subject: subject(), contract: schemaVersionRequest, payload: { tenant_id: tenant.tenantId, schema_id: schema.id } }),
    ).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    const pinned = await requestOverNats({ nc, subject: subject(), contract: schemaVersionRequest, payload: { tenant_id: tenant.tenantId, schema_id: schema.id, version: 1, include_deleted: true } });
    expect(pinned.deleted_at).not.toBeNull();
  });
});

describe('GraphQL', () => {
  it('serves the same operations with the error codes in extensions', async () => {
    const response = await fetch(`${platform.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: engineer.authorization },
      body: JSON.stringify({
        query: 'mutation($input: CreateSchemaInput!) { createSchema(input: $input) { id version } }',
        variables: { input: { name: uniqueName('gql'), nodes: [{ id: 'a', type: 'noop' }], edges: [] } },
      }),
    });
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string; details: { issues: unknown[] } } }> };
    expect(body.errors[0]!.extensions.code).toBe('VALIDATION_ERROR');
    expect(body.errors[0]!.extensions.details.issues).toHaveLength(1);
  });
});

describe('storage', () => {
  it('keeps one row per version and nothing from refused writes', async () => {
    const db = new pg.Client({ connectionString: platform.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ orphans: string }>(
        'select count(*) as orphans from schemas.schemas s where s.version <> (select max(version) from schemas.schema_versions v where v.schema_id = s.id)',
      );
      expect(Number(rows[0]!.orphans)).toBe(0);
      const broken = await db.query("select 1 from schemas.schemas where name like 'broken%'");
      expect(broken.rowCount).toBe(0);
    } finally {
      await db.end();
    }
  });
});
