import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveHarness, type LiveHarness } from './live-harness';

/** `GET /api/executions/:id/events` through the real gateway, fed by the real engine's events. */
let h: LiveHarness;

beforeAll(async () => {
  h = await startLiveHarness('live_sse', { LIVE_SSE_HEARTBEAT_MS: '100' });
});

afterAll(async () => {
  await h?.close();
});

interface SseEvent {
  event: string;
  id: number;
  data: Record<string, unknown>;
}

/** Reads `text/event-stream` frames until `done`; counts heartbeat comments. */
async function readEvents(response: Response, done: (event: SseEvent, all: SseEvent[]) => boolean): Promise<{ events: SseEvent[]; heartbeats: number }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let heartbeats = 0;
  let buffer = '';
  try {
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) return { events, heartbeats };
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (frame.startsWith(':')) heartbeats += 1;
        const fields = Object.fromEntries(frame.split('\n').filter((line) => !line.startsWith(':')).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
        if (fields.data === undefined) continue;
        const event = { event: fields.event ?? 'message', id: Number(fields.id), data: JSON.parse(fields.data) };
        events.push(event);
        if (done(event, events)) return { events, heartbeats };
      }
    }
  } finally {
    await reader.cancel();
  }
}

const approvalSchema = () =>
  h.engine.addSchema(
    {
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'approve', type: 'approval', config: { prompt: 'go?' } },
        { id: 'say', type: 'log', config: { message: 'approved' } },
      ],
      edges: [
        { source: 'start', target: 'approve' },
        { source: 'approve', target: 'say' },
      ],
    },
    h.tenantId,
  );

const open = (id: string, headers: Record<string, string> = {}) => fetch(`${h.url}/api/v1/executions/${id}/events`, { headers: { authorization: `Bearer ${h.token()}`, ...headers } });
const isFinal = (event: SseEvent) => event.event === 'execution' && ['completed', 'failed', 'stopped'].includes(String(event.data.status));

type Envelope = { error: { code: string; details: { issues: Array<{ path: string }> } } };
const envelopeOf = async (response: Response) => (await response.json()) as Envelope;

describe('GET /api/executions/:id/events', () => {
  it('streams the current state, then execution, step and log events in order, with heartbeats', async () => {
    const { id } = await h.engine.service.start(h.tenantId, { schemaId: approvalSchema(), input: {} });
    await h.waitForStatus(id, ['paused']);
    const response = await open(id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reading = readEvents(response, (event, all) => {
      if (all.length === 1) setTimeout(() => void h.engine.service.resume(h.tenantId, id, { ok: true }), 300);
      return isFinal(event);
    });
    const { events, heartbeats } = await reading;
    expect(events[0]).toMatchObject({ event: 'execution', data: { id, status: 'paused', current_step: 'approve', schema_version: 1 } });
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    expect(events.filter((e) => e.event === 'execution').map((e) => e.data.status)).toEqual(['paused', 'running', 'completed']);
    expect(events.some((e) => e.event === 'step' && e.data.node_id === 'say' && e.data.status === 'completed')).toBe(true);
    expect(events.some((e) => e.event === 'log' && e.data.message === 'approved')).toBe(true);
    expect(heartbeats).toBeGreaterThan(0);
  });

  it('resumes after Last-Event-ID with exactly what followed it', async () => {
    const { id } = await h.engine.service.start(h.tenantId, { schemaId: approvalSchema(), input: {} });
    await h.waitForStatus(id, ['paused']);
    const first = await readEvents(await open(id), () => true);
    const lastEventId = first.events[0]!.id;
    await h.engine.service.resume(h.tenantId, id, { ok: true });
    await h.waitForStatus(id);

    const resumed = await readEvents(await open(id, { 'last-event-id': String(lastEventId) }), isFinal);
    const stream = [
      ...(await h.streamEvents('executions.execution.updated', (d) => d.id === id)),
      ...(await h.streamEvents('executions.step.updated', (d) => d.execution_id === id)),
      ...(await h.streamEvents('executions.log.appended', (d) => d.execution_id === id)),
    ]
      .filter((e) => e.seq > lastEventId)
      .sort((a, b) => a.seq - b.seq);
    expect(resumed.events.map((e) => e.id)).toEqual(stream.map((e) => e.seq));
    expect(resumed.events.at(-1)!.data.status).toBe('completed');
  });

  it('answers 401 without a token, 404 for another tenant, 400 for a bad Last-Event-ID, in the envelope', async () => {
    const { id } = await h.engine.service.start(h.tenantId, { schemaId: approvalSchema(), input: {} });
    const anonymous = await fetch(`${h.url}/api/executions/${id}/events`);
    expect(anonymous.status).toBe(401);
    expect((await envelopeOf(anonymous)).error.code).toBe('AUTH_FAILED');
    const foreign = await fetch(`${h.url}/api/executions/${id}/events`, { headers: { authorization: `Bearer ${await h.foreignToken()}` } });
    expect(foreign.status).toBe(404);
    expect((await envelopeOf(foreign)).error.code).toBe('RESOURCE_NOT_FOUND');
    const badId = await open(id, { 'last-event-id': 'yesterday' });
    expect(badId.status).toBe(400);
    expect((await envelopeOf(badId)).error.details.issues[0]!.path).toBe('/headers/last-event-id');
  });

  it('is documented in the OpenAPI document', async () => {
    const document = (await (await fetch(`${h.url}/openapi.json`)).json()) as { paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }> };
    for (const path of ['/api/executions/{id}/events', '/api/v1/executions/{id}/events']) {
      expect(Object.keys(document.paths[path]!.get!.responses['200']!.content!)).toEqual(['text/event-stream']);
    }
  });
});
