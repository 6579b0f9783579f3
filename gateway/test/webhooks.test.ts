import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExecutionsPlatform, type ExecutionsPlatform } from './executions-platform';

/**
 * `POST /webhook/:schema_id[/:step_id]` (`000_*.txt` 4.3) through the real processes. No bearer
 * token: the schema's webhook secret signs the raw body (`X-Webhook-Signature: sha256=<hex>`).
 */
let p: ExecutionsPlatform;

beforeAll(async () => {
  p = await startExecutionsPlatform('webhooks_rest');
});

afterAll(async () => {
  await p?.destroy();
});

const orderFlow = (status: 'draft' | 'active' = 'active', requireSignature?: boolean) => ({
  status,
  nodes: [
    { id: 'hook', type: 'trigger.webhook', config: requireSignature === undefined ? {} : { requireSignature } },
    { id: 'shape', type: 'transform', config: { expression: '{"order": order.id, "total": $sum(order.items.price)}' } },
    { id: 'say', type: 'log', config: { message: 'order received', data: 'order' } },
  ],
  edges: [
    { source: 'hook', target: 'shape' },
    { source: 'shape', target: 'say' },
  ],
});

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function secretOf(schemaId: string): Promise<string> {
  const answer = await p.call(p.engineer, 'GET', `/api/schemas/${schemaId}/webhook-secret`);
  expect(answer.status).toBe(200);
  return answer.body.webhook_secret;
}

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${p.platform.gatewayUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe('POST /webhook/:schema_id', () => {
  it('answers 202 with the execution id; the signed body is the trigger\'s output', async () => {
    const schemaId = await p.createSchema(orderFlow());
    const secret = await secretOf(schemaId);
    const body = JSON.stringify({ order: { id: 'A-1', items: [{ price: 2 }, { price: 3 }] } });
    const answer = await post(`/webhook/${schemaId}`, body, { 'x-webhook-signature': sign(secret, body), 'x-shop': 'north' });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ execution_id: expect.any(String), status: 'running' });
    const done = await p.waitForEnd(answer.body.execution_id);
    expect(done.status).toBe('completed');
    const steps = await p.call(p.engineer, 'GET', `/api/executions/${answer.body.execution_id}/steps`);
    expect(steps.body.items[0]).toMatchObject({ node_id: 'hook', output: JSON.parse(body) });
    expect(steps.body.items[1].output).toEqual({ order: 'A-1', total: 5 });
    const graph = await p.call(p.engineer, 'POST', '/graphql', { query: `{ execution(id: "${answer.body.execution_id}") { trigger } }` });
    expect(graph.body.data.execution.trigger).toBe('webhook');
  });

  it('answers 200 with the final output when ?wait= lets it finish in time', async () => {
    const schemaId = await p.createSchema(orderFlow());
    const secret = await secretOf(schemaId);
    const body = JSON.stringify({ order: { id: 'B-2', items: [{ price: 10 }] } });
    const answer = await post(`/webhook/${schemaId}?wait=5000`, body, { 'x-webhook-signature': sign(secret, body) });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ execution_id: expect.any(String), status: 'completed', output: { order: 'B-2', total: 10 }, error: null });
    expect((await post(`/webhook/${schemaId}?wait=soon`, body, { 'x-webhook-signature': sign(secret, body) })).status).toBe(400);
  });

  it('refuses a missing or wrong signature with 401 and starts nothing; a trigger may waive it', async () => {
    const schemaId = await p.createSchema(orderFlow());
    const secret = await secretOf(schemaId);
    const body = '{"order":{"id":"C","items":[]}}';
    const missing = await post(`/webhook/${schemaId}`, body);
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('AUTH_FAILED');
    expect((await post(`/webhook/${schemaId}`, body, { 'x-webhook-signature': sign('whsec_wrong', body) })).status).toBe(401);
    expect((await post(`/webhook/${schemaId}`, `${body} `, { 'x-webhook-signature': sign(secret, body) })).status).toBe(401);
    expect((await p.call(p.engineer, 'GET', `/api/executions?schema_id=${schemaId}`)).body.total).toBe(0);

    const open = await p.createSchema(orderFlow('active', false));
    expect((await post(`/webhook/${open}`, body)).status).toBe(202);
  });

  it('an Idempotency-Key makes a retried call return the same execution', async () => {
    const schemaId = await p.createSchema(orderFlow('active', false));
    const body = '{"order":{"id":"D","items":[]}}';
    const key = `evt_${randomUUID()}`;
    const first = await post(`/webhook/${schemaId}`, body, { 'idempotency-key': key });
    const second = await post(`/webhook/${schemaId}`, body, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(second.body.execution_id).toBe(first.body.execution_id);
    const other = await post(`/webhook/${schemaId}`, body, { 'idempotency-key': `${key}-2` });
    expect(other.body.execution_id).not.toBe(first.body.execution_id);
    expect((await p.call(p.engineer, 'GET', `/api/executions?schema_id=${schemaId}`)).body.total).toBe(2);
  });

  it('refuses unknown and draft schemas, malformed JSON and oversize bodies with clear errors', async () => {
    expect((await post(`/webhook/${randomUUID()}`, '{}')).body.error.code).toBe('RESOURCE_NOT_FOUND');
    const draft = await p.createSchema(orderFlow('draft', false));
    const refused = await post(`/webhook/${draft}`, '{}');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CONFLICT', details: { status: 'draft' } });
    const open = await p.createSchema(orderFlow('active', false));
    const malformed = await post(`/webhook/${open}`, '{"order":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_JSON');
    const huge = await post(`/webhook/${open}`, JSON.stringify({ blob: 'x'.repeat(1_100_000) }));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const deep = await post(`/webhook/${open}`, `{"order":${'['.repeat(100)}${']'.repeat(100)}}`);
    expect(deep.status).toBe(400);
    expect(deep.body.error).toMatchObject({ code: 'INVALID_JSON', details: { max_depth: 100 } });
    const nul = await post(`/webhook/${open}`, '{"order":{"id":"a\\u0000b"}}');
    expect(nul.status).toBe(400);
    expect(nul.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { issues: [{ path: '/body/order/id', message: 'must not contain NUL characters' }] } });
    const form = await post(`/webhook/${open}`, 'order=a%00b', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(400);
    expect(form.body.error.details.issues).toEqual([{ path: '/body/order', message: 'must not contain NUL characters' }]);
    expect((await p.call(p.engineer, 'GET', `/api/executions?schema_id=${open}`)).body.total).toBe(0);
  });

  it('a run-time failure of a synchronous call answers with the failed execution and its error', async () => {
    const schemaId = await p.createSchema({
      status: 'active',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: { requireSignature: false } },
        { id: 'bad', type: 'transform', config: { expression: '$error("no such order")' } },
      ],
      edges: [{ source: 'hook', target: 'bad' }],
    });
    const answer = await post(`/webhook/${schemaId}?wait=5000`, '{}');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'failed', output: null });
    expect(answer.body.error).toMatch(/^node bad failed: .*no such order/);
  });
});

describe('changes to the schema reach the webhook', () => {
  it('a rotated secret replaces the old one and an archived schema stops accepting calls', async () => {
    const schemaId = await p.createSchema(orderFlow());
    const old = await secretOf(schemaId);
    const body = '{"order":{"id":"R","items":[]}}';
    expect((await post(`/webhook/${schemaId}`, body, { 'x-webhook-signature': sign(old, body) })).status).toBe(202);
    const rotated = await p.call(p.engineer, 'POST', `/api/schemas/${schemaId}/webhook-secret/rotate`);
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.webhook_secret as string;
    // The engine caches a schema's latest version and drops it on the schemas service's event.
    while ((await post(`/webhook/${schemaId}`, body, { 'x-webhook-signature': sign(old, body) })).status !== 401) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect((await post(`/webhook/${schemaId}`, body, { 'x-webhook-signature': sign(fresh, body) })).status).toBe(202);

    const current = await p.call(p.engineer, 'GET', `/api/schemas/${schemaId}`);
    const archived = await p.call(p.engineer, 'PUT', `/api/schemas/${schemaId}`, { status: 'archived' }, { 'if-match': `"${current.body.version}"` });
    expect(archived.status, JSON.stringify(archived.body)).toBe(200);
    while ((await post(`/webhook/${schemaId}`, body, { 'x-webhook-signature': sign(fresh, body) })).status !== 409) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });
});

describe('POST /webhook/:schema_id/:step_id', () => {
  it('starts at that node with the body as its input; an unknown node is 404', async () => {
    const schemaId = await p.createSchema(orderFlow());
    const secret = await secretOf(schemaId);
    const body = '{"direct":true}';
    const answer = await post(`/webhook/${schemaId}/say?wait=5000`, body, { 'x-webhook-signature': sign(secret, body) });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'completed', output: { direct: true } });
    const steps = await p.call(p.engineer, 'GET', `/api/executions/${answer.body.execution_id}/steps`);
    expect(steps.body.items.map((s: { node_id: string }) => s.node_id)).toEqual(['say']);
    const missing = await post(`/webhook/${schemaId}/nowhere`, body, { 'x-webhook-signature': sign(secret, body) });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('RESOURCE_NOT_FOUND');
  });
});
