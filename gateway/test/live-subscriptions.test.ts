import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startLiveHarness, type LiveHarness } from './live-harness';

/**
 * Subscriptions through the real gateway with the real graphql-ws client, fed by the real engine's
 * events on the EVENTS stream (see live-harness.ts).
 */
let h: LiveHarness;

beforeAll(async () => {
  h = await startLiveHarness('live_subs', { LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3', LIVE_MAX_CONNECTIONS_PER_USER: '2' });
});

afterAll(async () => {
  await h?.close();
});

const executionUpdated = `subscription Watch($id: ID!, $after: String) {
  executionUpdated(id: $id, after: $after) { __typename id status currentStep finishedAt }
}`;

const finalStatuses = ['completed', 'failed', 'stopped'];
type ExecutionMessage = { executionUpdated: { id: string; status: string; currentStep: string | null } };

/** A schema that parks at an approval until `resume`: the execution lives as long as the test wants. */
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

const linearSchema = () =>
  h.engine.addSchema(
    {
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'double', type: 'transform', config: { expression: '{"total": amount * 2}' } },
        { id: 'say', type: 'log', config: { message: 'computed' } },
      ],
      edges: [
        { source: 'start', target: 'double' },
        { source: 'double', target: 'say' },
      ],
    },
    h.tenantId,
  );

describe('executionUpdated', () => {
  it('sends the current state first, then every status change in stream order, to completion', async () => {
    const { id } = await h.engine.service.start(h.tenantId, { schemaId: linearSchema(), input: { amount: 2 } });
    const messages = await collect<ExecutionMessage>(h.client(h.token()), executionUpdated, { id }, (m) => finalStatuses.includes(m.data?.executionUpdated.status ?? ''));
    expect(messages.every((m) => m.errors === undefined)).toBe(true);
    expect(messages.at(-1)!.data!.executionUpdated.status).toBe('completed');
    expect(messages[0]!.data!.executionUpdated).toMatchObject({ __typename: 'Execution', id });

    // Complete and in order: after the first message, exactly the stream's events of this
    // execution above the first message's sequence (a repeat of the first state is not resent).
    const sequences = messages.map((m) => Number(m.extensions!.sequence));
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
    const events = await h.streamEvents('executions.execution.updated', (data) => data.id === id);
    const after = events.filter((e) => e.seq > sequences[0]!);
    const expected = after.filter((e, i) => i > 0 || e.data.status !== messages[0]!.data!.executionUpdated.status || e.data.current_step !== messages[0]!.data!.executionUpdated.currentStep);
    expect(messages.slice(1).map((m) => [Number(m.extensions!.sequence), m.data!.executionUpdated.status, m.data!.executionUpdated.currentStep])).toEqual(
      expected.map((e) => [e.seq, e.data.status, e.data.current_step]),
    );
    expect(events.map((e) => e.data.status)).toEqual(expect.arrayContaining(['running', 'completed']));
  });

  it('a client watching from before the execution moves sees every status: paused, running, completed', async () => {
    const { id } = await h.engine.service.start(h.tenantId, { schemaId: approvalSchema(), input: {} });
    await h.waitForStatus(id, ['paused']);
    const client = h.client(h.token());
    const statuses: string[] = [];
    const done = collect<ExecutionMessage>(client, executionUpdated, { id }, (m) => {
      statuses.push(m.data?.executionUpdated.status ?? 'error');
      if (m.data?.executionUpdated.status === 'paused' && statuses.length === 1) void h.engine.service.resume(h.tenantId, id, { ok: true });
      return finalStatuses.includes(m.data?.executionUpdated.status ?? 'error');
    });
    await done;
    expect(statuses).toEqual(['paused', 'running', 'completed']);
  });

  it('resolves fields the event does not carry through the gateway (output, steps)', async () => {
    const { id } = await h.engine.service.start(h.tenantId, { schemaId: linearSchema(), input: { amount: 5 } });
    const query = `subscription($id: ID!) { executionUpdated(id: $id) { status output steps { total } } }`;
    const messages = await collect<{ executionUpdated: { status: string; output: unknown; steps: { total: number } } }>(h.client(h.token()), query, { id }, (m) =>
      finalStatuses.includes(m.data?.executionUpdated.status ?? 'error'),
    );
    expect(messages.at(-1)!.data!.executionUpdated).toEqual({ status: 'completed', output: { total: 10 }, steps: { total: 3 } });
  });

  it('resumes after a reconnection from the last sequence, without a gap or a repeat', async () => {
    const { id } = await h.engine.service.start(h.tenantId, { schemaId: approvalSchema(), input: {} });
    await h.waitForStatus(id, ['paused']);
    const first = await collect<ExecutionMessage>(h.client(h.token()), executionUpdated, { id }, () => true);
    expect(first[0]!.data!.executionUpdated.status).toBe('paused');
    const lastSequence = first[0]!.extensions!.sequence!;

    // While nobody watches, the execution moves on to completion.
    await h.engine.service.resume(h.tenantId, id, { ok: true });
    await h.waitForStatus(id);

    const resumed = await collect<ExecutionMessage>(h.client(h.token()), executionUpdated, { id, after: lastSequence }, (m) => finalStatuses.includes(m.data?.executionUpdated.status ?? 'error'));
    const events = await h.streamEvents('executions.execution.updated', (data) => data.id === id);
    const missed = events.filter((e) => e.seq > Number(lastSequence));
    expect(missed.length).toBeGreaterThanOrEqual(2);
    expect(resumed.map((m) => [Number(m.extensions!.sequence), m.data!.executionUpdated.status])).toEqual(missed.map((e) => [e.seq, e.data.status]));
  });
});

describe('executionsUpdated', () => {
  it('streams every execution of a schema from the moment of subscribing, and runs queries over the same socket', async () => {
    const schemaId = linearSchema();
    const client = h.client(h.token());
    const listening = h.gateway.live!.hub.listenerCount;
    const query = `subscription($schemaId: ID!) { executionsUpdated(schemaId: $schemaId) { id schemaId status } }`;
    const seen = collect<{ executionsUpdated: { id: string; schemaId: string; status: string } }>(client, query, { schemaId }, (_m, all) =>
      all.filter((m) => (m as { data?: { executionsUpdated: { status: string } } }).data?.executionsUpdated.status === 'completed').length === 2,
    );
    while (h.gateway.live!.hub.listenerCount < listening + 1) await new Promise((resolve) => setTimeout(resolve, 10));
    const first = await h.engine.service.start(h.tenantId, { schemaId, input: { amount: 1 } });
    const second = await h.engine.service.start(h.tenantId, { schemaId, input: { amount: 2 } });
    const messages = await seen;
    expect(new Set(messages.map((m) => m.data!.executionsUpdated.id))).toEqual(new Set([first.id, second.id]));
    expect(messages.every((m) => m.data!.executionsUpdated.schemaId === schemaId)).toBe(true);

    const answer = await client.iterate<{ execution: { status: string } }>({ query: 'query($id: ID!) { execution(id: $id) { status } }', variables: { id: first.id } }).next();
    expect(answer.value?.data?.execution.status).toBe('completed');
  });
});

describe('steps and logs', () => {
  it('executionStepUpdated and executionLogAppended stream what the engine records', async () => {
    const { id } = await h.engine.service.start(h.tenantId, { schemaId: approvalSchema(), input: {} });
    await h.waitForStatus(id, ['paused']);
    const client = h.client(h.token());
    const listening = h.gateway.live!.hub.listenerCount;
    const stepsQuery = `subscription($id: ID!) { executionStepUpdated(executionId: $id) { __typename id executionId nodeId attempt status } }`;
    const logsQuery = `subscription($id: ID!) { executionLogAppended(executionId: $id) { executionId nodeId level message } }`;
    const steps = collect<{ executionStepUpdated: { nodeId: string; status: string; executionId: string } }>(client, stepsQuery, { id }, (m) => m.data?.executionStepUpdated.nodeId === 'say' && m.data.executionStepUpdated.status === 'completed');
    const logs = collect<{ executionLogAppended: { nodeId: string; message: string } }>(client, logsQuery, { id }, (m) => m.data?.executionLogAppended.message === 'approved');
    // Subscriptions without a first message start at the stream's end: wait until both listen.
    while (h.gateway.live!.hub.listenerCount < listening + 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await h.engine.service.resume(h.tenantId, id, { ok: true });
    const stepMessages = await steps;
    const logMessages = await logs;
    expect(stepMessages.map((m) => `${m.data!.executionStepUpdated.nodeId}:${m.data!.executionStepUpdated.status}`)).toEqual(
      expect.arrayContaining(['approve:completed', 'say:completed']),
    );
    expect(stepMessages.every((m) => m.data!.executionStepUpdated.executionId === id)).toBe(true);
    expect(logMessages.at(-1)!.data!.executionLogAppended).toMatchObject({ nodeId: 'say', message: 'approved' });
  });

  it('refuses a selection the step event cannot answer', async () => {
    const messages = await collect(h.client(h.token()), `subscription { executionStepUpdated(executionId: "x") { id output } }`, {}, () => true);
    expect(messages[0]!.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('security', () => {
  it('refuses to watch an execution of another tenant', async () => {
    const { id } = await h.engine.service.start(h.tenantId, { schemaId: approvalSchema(), input: {} });
    const foreign = h.client(await h.foreignToken());
    const watched = await collect(foreign, executionUpdated, { id }, () => true);
    expect(watched).toHaveLength(1);
    expect(watched[0]!.errors![0]!.extensions?.code).toBe('RESOURCE_NOT_FOUND');
    const steps = await collect(foreign, `subscription($id: ID!) { executionStepUpdated(executionId: $id) { id } }`, { id }, () => true);
    expect(steps[0]!.errors![0]!.extensions?.code).toBe('RESOURCE_NOT_FOUND');
    const resumed = await collect(foreign, executionUpdated, { id, after: '0' }, () => true);
    expect(resumed[0]!.errors![0]!.extensions?.code).toBe('RESOURCE_NOT_FOUND');
  });

  it('closes a connection without a token, or with a bad one, with 4401', async () => {
    const codes: number[] = [];
    await collect(h.client(undefined, (code) => codes.push(code)), executionUpdated, { id: 'x' }, () => true);
    await collect(h.client('not-a-token', (code) => codes.push(code)), executionUpdated, { id: 'x' }, () => true);
    expect(codes).toEqual([4401, 4401]);
  });

  it('closes the connection when the token expires', async () => {
    const { id } = await h.engine.service.start(h.tenantId, { schemaId: approvalSchema(), input: {} });
    let closed: [number, string] | undefined;
    const messages = await collect(h.client(await h.shortLivedToken(), (code, reason) => (closed = [code, reason])), executionUpdated, { id }, () => false);
    expect(messages[0]!.data).toBeTruthy();
    expect(closed).toEqual([4401, 'TOKEN_EXPIRED']);
  });

  it('drops a socket that never sends connection_init', async () => {
    const { default: WebSocket } = await import('ws');
    const socket = new WebSocket(h.wsUrl, 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => socket.on('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(4408);
  });

  it('limits operations per connection and connections per user', async () => {
    const token = await h.newUserToken();
    const { id } = await h.engine.service.start(h.tenantId, { schemaId: approvalSchema(), input: {} });
    const client = h.client(token);
    const open = [0, 1, 2].map(() => {
      const iterator = client.iterate({ query: executionUpdated, variables: { id } });
      return { iterator, first: iterator.next() };
    });
    for (const { first } of open) expect((await first).value?.data).toBeTruthy();
    const fourth = await collect(client, executionUpdated, { id }, () => true);
    expect(fourth[0]!.errors![0]!.extensions?.code).toBe('RATE_LIMIT_EXCEEDED');

    // The second connection stays open (its subscription is not finished); a third is refused.
    const second = h.client(token).iterate({ query: executionUpdated, variables: { id } });
    expect((await second.next()).value?.data).toBeTruthy();
    const codes: number[] = [];
    await collect(h.client(token, (code) => codes.push(code)), executionUpdated, { id }, () => true);
    expect(codes).toEqual([4429]);
    for (const { iterator } of [...open, { iterator: second }]) await iterator.return?.();
  });

  it('answers a subscription sent over HTTP with 400, pointing to graphql-ws', async () => {
    const response = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token()}` },
      body: JSON.stringify({ query: 'subscription { executionUpdated(id: "x") { id } }' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });
});
