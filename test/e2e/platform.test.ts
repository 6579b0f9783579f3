import { serviceNames, streamName } from '@conveyor/contracts';
import { connectTestNats, startTestPlatform, uniqueName, type TestPlatform } from '@conveyor/testing';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Boots the platform exactly as the start command does (scripts/start.ts: database creation,
 * migrations, streams, five services, gateway) on free ports with its own database and NATS
 * prefix, then talks to it only through the gateway.
 */
const prefix = uniqueName('e2e');
let platform: TestPlatform;
let gateway: string;
let nc: NatsConnection;

beforeAll(async () => {
  platform = await startTestPlatform(prefix);
  gateway = platform.gatewayUrl;
  nc = await connectTestNats();
});

afterAll(async () => {
  await nc?.drain();
  await platform?.destroy();
});

describe('the platform, started by the start command', () => {
  it('answers one GraphQL query that reaches every subgraph, and each one asks a peer over NATS', async () => {
    const fields = serviceNames.map((s) => `${s}Status { service migrationsApplied outboxPending } ${s}PeerStatus { service }`).join(' ');
    const response = await fetch(`${gateway}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ ${fields} }` }),
    });
    const body = (await response.json()) as { data: Record<string, { service: string; migrationsApplied?: number }>; errors?: unknown };
    expect(body.errors).toBeUndefined();
    const peers: Record<string, string> = { auth: 'schemas', schemas: 'executions', executions: 'scheduler', scheduler: 'catalog', catalog: 'auth' };
    for (const service of serviceNames) {
      expect(body.data[`${service}Status`]!.service).toBe(service);
      expect(body.data[`${service}Status`]!.migrationsApplied).toBeGreaterThanOrEqual(1);
      expect(body.data[`${service}PeerStatus`]!.service).toBe(peers[service]);
    }
  });

  it('serves the same through the REST adapter', async () => {
    const response = await fetch(`${gateway}/api/v1/platform/status`, { headers: { 'x-request-id': 'e2e-request-1' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('e2e-request-1');
    const body = (await response.json()) as { services: Array<{ service: string; peer: { service: string } }> };
    expect(body.services.map((s) => s.service)).toEqual([...serviceNames]);
    expect(body.services.every((s) => s.peer.service !== s.service)).toBe(true);
  });

  it('reports every subgraph healthy with its latency', async () => {
    const response = await fetch(`${gateway}/health/detailed`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; components: Record<string, { status: string; latency_ms: number }> };
    expect(body.status).toBe('healthy');
    expect(Object.keys(body.components).sort()).toEqual([...serviceNames].sort());
  });

  it('relays each service instance announcement from its outbox to JetStream', async () => {
    const jsm = await nc.jetstreamManager();
    const subjects: string[] = [];
    for (let attempt = 0; attempt < 50 && subjects.length < serviceNames.length; attempt++) {
      const info = await jsm.streams.info(streamName(prefix, 'EVENTS'), { subjects_filter: '>' });
      subjects.splice(0, subjects.length, ...Object.keys(info.state.subjects ?? {}));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(subjects.sort()).toEqual(serviceNames.map((s) => `${prefix}.${s}.instance.started`).sort());
  });

  it('lets the first admin, created by the start command, log in and read its profile', async () => {
    const login = await fetch(`${gateway}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'conveyor-admin' }),
    });
    expect(login.status).toBe(200);
    const tokens = (await login.json()) as { access_token: string; token_type: string };
    expect(tokens.token_type).toBe('bearer');
    const me = await fetch(`${gateway}/api/v1/users/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username: 'admin', role: 'admin' });
  });

  it('stops every process cleanly on SIGTERM', async () => {
    const code = await platform.process.stop('SIGTERM');
    expect(code).toBe(0);
    expect(platform.process.output()).toContain('[start] stopped');
    await expect(fetch(`${gateway}/health`)).rejects.toThrow();
  });
});
