import { createTestTenant, type TestTenant, type TestUser } from '@conveyor/testing';
import pg from 'pg';
import { expect } from 'vitest';
import { startDefinitionsPlatform, type DefinitionsPlatform } from '../../services/schemas/test/definitions-platform';

/**
 * The real processes the engine's REST surface needs: auth (tokens), catalog (node types for the
 * schemas service's validation), schemas (definitions, versions, webhook secrets), executions and
 * the gateway, on a fresh database and NATS prefix.
 */
export async function startExecutionsPlatform(label: string) {
  const platform: DefinitionsPlatform = await startDefinitionsPlatform(label, ['auth', 'catalog', 'schemas', 'executions'], {
    STEP_ACK_WAIT_MS: '5000',
    OUTBOX_POLL_MS: '50',
  });
  const sql = new pg.Client({ connectionString: platform.databaseUrl });
  await sql.connect();
  const tenant: TestTenant = await createTestTenant(platform.gatewayUrl, label);
  const engineer: TestUser = await tenant.addUser('engineer');

  async function call<T = any>(user: TestUser | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${platform.gatewayUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(user ? { authorization: user.authorization } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
  }

  return {
    platform,
    sql,
    tenant,
    engineer,
    call,
    /** Creates a schema through the schemas REST API and waits until the engine's directory knows its tenant. */
    async createSchema(definition: { nodes: unknown[]; edges: unknown[]; status?: 'draft' | 'active' }, user: TestUser = engineer) {
      const answer = await call(user, 'POST', '/api/schemas', { name: `flow ${Math.random().toString(36).slice(2, 10)}`, description: 'engine test', ...definition });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      const id = answer.body.id as string;
      while ((await sql.query('select 1 from executions.schema_tenants where schema_id = $1', [id])).rowCount === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return id;
    },
    /** Polls GET /api/executions/:id until a final status (the test timeout bounds a hang). */
    async waitForEnd(id: string, user: TestUser = engineer, statuses = ['completed', 'failed', 'stopped']) {
      for (;;) {
        const answer = await call(user, 'GET', `/api/executions/${id}`);
        if (statuses.includes(answer.body?.status)) return answer.body;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async destroy() {
      await sql.end();
      await platform.destroy();
    },
  };
}

export type ExecutionsPlatform = Awaited<ReturnType<typeof startExecutionsPlatform>>;
