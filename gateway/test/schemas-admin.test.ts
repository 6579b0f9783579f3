import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@conveyor/contracts';
import { connectTestNats, createTestTenant, type TestTenant, type TestUser } from '@conveyor/testing';
import type { NatsConnection, Subscription } from 'nats';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDefinitionsPlatform, type DefinitionsPlatform } from '../../services/schemas/test/definitions-platform';

/**
 * Soft delete of schemas and the admin API of `002_*.txt` adapted from pipelines to schemas,
 * through the real auth, catalog, schemas and gateway processes.
 */
let platform: DefinitionsPlatform;
let nc: NatsConnection;
let events: EventEnvelope[] = [];
let subscription: Subscription;
let tenant: TestTenant;
let admin: TestUser;
let engineer: TestUser;
let otherAdmin: TestUser;

beforeAll(async () => {
  platform = await startDefinitionsPlatform('schemas_admin', ['auth', 'catalog', 'schemas']);
  nc = await connectTestNats();
  subscription = nc.subscribe(`${platform.prefix}.schemas.schema.*`, {
    callback: (_, msg) => void events.push(JSON.parse(new TextDecoder().decode(msg.data)) as EventEnvelope),
  });
  tenant = await createTestTenant(platform.gatewayUrl, 'admin');
  admin = tenant.admin;
  engineer = await tenant.addUser('engineer');
  otherAdmin = (await createTestTenant(platform.gatewayUrl, 'admin-other')).admin;
});

afterAll(async () => {
  subscription?.unsubscribe();
  await nc?.drain();
  await platform?.destroy();
});

async function call<T = any>(user: TestUser | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${platform.gatewayUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(user ? { authorization: user.authorization } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

async function createSchema(name = `flow ${randomUUID().slice(0, 8)}`): Promise<{ id: string; name: string }> {
  const answer = await call(engineer, 'POST', '/api/schemas', {
    name,
    nodes: [{ id: 't', type: 'trigger.manual' }, { id: 'n', type: 'noop' }],
    edges: [{ source: 't', target: 'n' }],
  });
  expect(answer.status).toBe(201);
  return answer.body;
}

async function waitForEvent(predicate: (event: EventEnvelope) => boolean): Promise<EventEnvelope> {
  for (;;) {
    const found = events.find(predicate);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Moves a schema's deletion into the past, as if it had been deleted `days` ago. */
async function ageDeletion(id: string, days: number): Promise<void> {
  const db = new pg.Client({ connectionString: platform.databaseUrl });
  await db.connect();
  await db.query(`update schemas.schemas set deleted_at = now() - make_interval(days => $2) where id = $1`, [id, days]);
  await db.end();
}

describe('DELETE /api/schemas/:id (soft delete)', () => {
  it('answers 204, hides the schema from every read and announces it', async () => {
    const schema = await createSchema();
    const deleted = await call(engineer, 'DELETE', `/api/schemas/${schema.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    expect((await call(engineer, 'GET', `/api/schemas/${schema.id}`)).status).toBe(404);
    expect((await call(engineer, 'GET', `/api/schemas/${schema.id}/versions`)).status).toBe(404);
    expect((await call(engineer, 'PUT', `/api/schemas/${schema.id}`, { description: 'x' })).status).toBe(404);
    expect((await call(engineer, 'DELETE', `/api/schemas/${schema.id}`)).status).toBe(404);
    const list = await call<{ items: Array<{ id: string }> }>(engineer, 'GET', '/api/schemas?limit=100');
    expect(list.body.items.some((s) => s.id === schema.id)).toBe(false);
    const event = await waitForEvent((e) => e.type === `${platform.prefix}.schemas.schema.deleted` && e.entity.id === schema.id);
    expect(event.data.deleted_at).toEqual(expect.any(String));
    // The name is free again for a new schema.
    expect((await call(engineer, 'POST', '/api/schemas', { name: schema.name, nodes: [{ id: 't', type: 'trigger.manual' }], edges: [] })).status).toBe(201);
  });
});

describe('admin API', () => {
  it('lists deleted entities as documented, filtered by time, for admins of the tenant only', async () => {
    const schema = await createSchema();
    await call(engineer, 'DELETE', `/api/schemas/${schema.id}`);
    const answer = await call<{ items: Array<Record<string, unknown>>; total: number }>(admin, 'GET', '/api/v1/admin/deleted-entities?entity_type=schemas');
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body).sort()).toEqual(['items', 'total']);
    const item = answer.body.items.find((i) => i.entity_id === schema.id)!;
    expect(item).toEqual({ entity_type: 'schema', entity_id: schema.id, entity_name: schema.name, deleted_by: engineer.userId, deleted_at: expect.any(String), can_restore: true });
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await call(admin, 'GET', `/api/v1/admin/deleted-entities?deleted_after=${encodeURIComponent(future)}`)).body.total).toBe(0);
    const before = await call(admin, 'GET', `/api/v1/admin/deleted-entities?deleted_before=${encodeURIComponent(future)}`);
    expect(before.body.items.some((i: { entity_id: string }) => i.entity_id === schema.id)).toBe(true);

    expect((await call(engineer, 'GET', '/api/v1/admin/deleted-entities')).status).toBe(403);
    expect((await call(null, 'GET', '/api/v1/admin/deleted-entities')).status).toBe(401);
    expect((await call(otherAdmin, 'GET', '/api/v1/admin/deleted-entities')).body).toEqual({ items: [], total: 0 });
    expect((await call(admin, 'GET', '/api/v1/admin/deleted-entities?entity_type=projects')).status).toBe(400);
    expect((await call(admin, 'GET', '/api/v1/admin/deleted-entities?deleted_after=yesterday')).status).toBe(400);
  });

  it('reports deletion stats', async () => {
    const schema = await createSchema();
    await call(engineer, 'DELETE', `/api/schemas/${schema.id}`);
    const stats = await call(admin, 'GET', '/api/v1/admin/deletion-stats');
    expect(stats.status).toBe(200);
    expect(Object.keys(stats.body).sort()).toEqual(['by_type', 'disk_space_recoverable_mb', 'oldest_deletion', 'total_deleted']);
    expect(stats.body.total_deleted).toBeGreaterThanOrEqual(1);
    expect(stats.body.by_type).toEqual({ schemas: stats.body.total_deleted });
    expect(stats.body.oldest_deletion).toEqual(expect.any(String));
    expect(stats.body.disk_space_recoverable_mb).toBeGreaterThanOrEqual(0);
    expect(await call(otherAdmin, 'GET', '/api/v1/admin/deletion-stats')).toMatchObject({ status: 200, body: { total_deleted: 0, oldest_deletion: null } });
    expect((await call(engineer, 'GET', '/api/v1/admin/deletion-stats')).status).toBe(403);
  });

  it('restores a deleted schema with its versions', async () => {
    const schema = await createSchema();
    await call(engineer, 'PUT', `/api/schemas/${schema.id}`, { description: 'second version' });
    await call(engineer, 'DELETE', `/api/schemas/${schema.id}`);
    expect((await call(engineer, 'POST', `/api/v1/admin/schemas/${schema.id}/restore`)).status).toBe(403);
    expect((await call(otherAdmin, 'POST', `/api/v1/admin/schemas/${schema.id}/restore`)).status).toBe(404);
    const restored = await call(admin, 'POST', `/api/v1/admin/schemas/${schema.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toEqual({ schema_id: schema.id, restored: true, related_entities_restored: { versions: 2 }, restored_at: expect.any(String) });
    const read = await call(engineer, 'GET', `/api/schemas/${schema.id}`);
    expect(read.body).toMatchObject({ version: 2, description: 'second version' });
    expect((await call(engineer, 'GET', `/api/schemas/${schema.id}/versions`)).body.total).toBe(2);
    await waitForEvent((e) => e.type.endsWith('.schemas.schema.restored') && e.entity.id === schema.id);
    const again = await call(admin, 'POST', `/api/v1/admin/schemas/${schema.id}/restore`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    expect((await call(admin, 'POST', `/api/v1/admin/schemas/${randomUUID()}/restore`)).status).toBe(404);
    expect((await call(admin, 'POST', '/api/v1/admin/schemas/abc/restore')).status).toBe(400);
  });

  it('refuses to restore over a live schema of the same name, and says so in the list', async () => {
    const schema = await createSchema();
    await call(engineer, 'DELETE', `/api/schemas/${schema.id}`);
    await createSchema(schema.name);
    const listed = await call(admin, 'GET', '/api/v1/admin/deleted-entities?limit=200');
    expect(listed.body.items.find((i: { entity_id: string }) => i.entity_id === schema.id).can_restore).toBe(false);
    const restore = await call(admin, 'POST', `/api/v1/admin/schemas/${schema.id}/restore`);
    expect(restore.status).toBe(409);
    expect(restore.body.error.code).toBe('DUPLICATE_RESOURCE');
  });

  it('purges a deleted schema for good, but never a live one', async () => {
    const live = await createSchema();
    const refused = await call(admin, 'DELETE', `/api/v1/admin/schemas/${live.id}/permanent`);
    expect(refused.status).toBe(409);
    expect((await call(engineer, 'GET', `/api/schemas/${live.id}`)).status).toBe(200);

    const schema = await createSchema();
    await call(engineer, 'PUT', `/api/schemas/${schema.id}`, { description: 'v2' });
    await call(engineer, 'PUT', `/api/schemas/${schema.id}`, { description: 'v3' });
    await call(engineer, 'DELETE', `/api/schemas/${schema.id}`);
    expect((await call(engineer, 'DELETE', `/api/v1/admin/schemas/${schema.id}/permanent`)).status).toBe(403);
    const purged = await call(admin, 'DELETE', `/api/v1/admin/schemas/${schema.id}/permanent`);
    expect(purged.status).toBe(200);
    expect(purged.body).toEqual({ schema_id: schema.id, permanently_deleted: true, cascade_deleted: { versions: 3 }, disk_space_freed_mb: expect.any(Number) });
    expect((await call(admin, 'POST', `/api/v1/admin/schemas/${schema.id}/restore`)).status).toBe(404);
    expect((await call(admin, 'DELETE', `/api/v1/admin/schemas/${schema.id}/permanent`)).status).toBe(404);
    await waitForEvent((e) => e.type.endsWith('.schemas.schema.purged') && e.entity.id === schema.id);
    const db = new pg.Client({ connectionString: platform.databaseUrl });
    await db.connect();
    const left = await db.query('select 1 from schemas.schema_versions where schema_id = $1', [schema.id]);
    await db.end();
    expect(left.rowCount).toBe(0);
  });

  it('cleans up old deletions: a dry run counts, a real run purges only what is old enough', async () => {
    const old = await createSchema();
    const recent = await createSchema();
    await call(engineer, 'DELETE', `/api/schemas/${old.id}`);
    await call(engineer, 'DELETE', `/api/schemas/${recent.id}`);
    await ageDeletion(old.id, 120);

    const dry = await call(admin, 'POST', '/api/v1/admin/cleanup-old-deletions', { older_than_days: 90, entity_types: ['schemas'], dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({ dry_run: true, entities_to_delete: 1, disk_space_to_free_mb: expect.any(Number), breakdown: { schemas: 1 } });
    expect((await call(admin, 'POST', `/api/v1/admin/schemas/${old.id}/restore`)).status).toBe(200);
    await call(engineer, 'DELETE', `/api/schemas/${old.id}`);
    await ageDeletion(old.id, 120);

    const defaults = await call(admin, 'POST', '/api/v1/admin/cleanup-old-deletions', {});
    expect(defaults.body).toMatchObject({ dry_run: true, entities_to_delete: 1 });
    const real = await call(admin, 'POST', '/api/v1/admin/cleanup-old-deletions', { older_than_days: 90, dry_run: false });
    expect(real.body).toMatchObject({ dry_run: false, entities_to_delete: 1, breakdown: { schemas: 1 } });
    expect((await call(admin, 'POST', `/api/v1/admin/schemas/${old.id}/restore`)).status).toBe(404);
    expect((await call(admin, 'POST', `/api/v1/admin/schemas/${recent.id}/restore`)).status).toBe(200);

    expect((await call(admin, 'POST', '/api/v1/admin/cleanup-old-deletions', { older_than_days: -1 })).status).toBe(400);
    expect((await call(admin, 'POST', '/api/v1/admin/cleanup-old-deletions', { entity_types: ['pipelines'] })).status).toBe(400);
    expect((await call(admin, 'POST', '/api/v1/admin/cleanup-old-deletions', { dry_run: 'no' })).status).toBe(400);
    expect((await call(engineer, 'POST', '/api/v1/admin/cleanup-old-deletions', {})).status).toBe(403);
  });
});

describe('when the catalog is gone', () => {
  it('answers 503 to a write that needs node types, and still serves reads', async () => {
    const schema = await createSchema();
    await platform.processes.catalog!.stop();
    // A type never asked for needs the catalog: 503, and nothing is written.
    const unseen = await call(engineer, 'PUT', `/api/schemas/${schema.id}`, { nodes: [{ id: 't', type: 'trigger.schedule', config: { cron: '* * * * *' } }], edges: [] });
    expect(unseen.status).toBe(503);
    expect(unseen.body.error.code).toBe('SERVICE_UNAVAILABLE');
    // Types already fetched are served from the cache (NODE_TYPES_CACHE_MS).
    const cached = await call(engineer, 'PUT', `/api/schemas/${schema.id}`, { nodes: [{ id: 't', type: 'trigger.manual' }], edges: [] });
    expect(cached.status).toBe(200);
    expect(cached.body.version).toBe(2);
    expect((await call(engineer, 'GET', `/api/schemas/${schema.id}`)).status).toBe(200);
  });
});
