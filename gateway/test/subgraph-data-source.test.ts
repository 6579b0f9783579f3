import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { RequestContext } from '@conveyor/service-runtime';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSubgraphAgent, SubgraphDataSource } from '../src/subgraph-data-source';

/**
 * The gateway's subgraph fetches, against a local HTTP server that records what it receives and
 * answers as each test tells it (a status, a content type, a body, a delay).
 */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}
let received: Received[] = [];
let answer: { status: number; contentType?: string; body: string; delayMs?: number };
let server: Server;
let url: string;
const agent = createSubgraphAgent();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      setTimeout(() => {
        if (answer.contentType) res.setHeader('content-type', answer.contentType);
        res.statusCode = answer.status;
        res.end(answer.body);
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
});

afterAll(async () => {
  await agent.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  answer = { status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ data: { catalogStatus: { service: 'catalog' } } }) };
});

const context = (overrides: Partial<RequestContext> = {}): RequestContext => ({
  requestId: 'req-1',
  logger: undefined as never,
  authorization: 'Bearer abc.def.ghi',
  ...overrides,
});

const fetchWith = (source: SubgraphDataSource, ctx: RequestContext, variables?: Record<string, unknown>) =>
  source.process({
    kind: 'incoming operation',
    request: { query: 'query Q($id: ID) { catalogStatus { service } }', variables, operationName: 'Q' },
    context: ctx,
    incomingRequestContext: {} as never,
  } as unknown as GraphQLDataSourceProcessOptions<RequestContext>);

describe('SubgraphDataSource', () => {
  it('posts the operation as JSON and returns the parsed answer', async () => {
    const source = new SubgraphDataSource({ url, agent, timeoutMs: 5_000 });
    const response = await fetchWith(source, context(), { id: '7' });
    expect(response).toEqual({ data: { catalogStatus: { service: 'catalog' } } });
    expect(JSON.parse(received[0]!.body)).toEqual({ query: 'query Q($id: ID) { catalogStatus { service } }', variables: { id: '7' }, operationName: 'Q' });
  });

  it('forwards the caller token and the request id, and nothing else of the caller', async () => {
    const source = new SubgraphDataSource({ url, agent, timeoutMs: 5_000 });
    await fetchWith(source, context());
    await fetchWith(source, context({ authorization: undefined, requestId: 'req-2' }));
    const [first, second] = received.map((r) => r.headers);
    expect(first).toMatchObject({ authorization: 'Bearer abc.def.ghi', 'x-request-id': 'req-1', 'content-type': 'application/json' });
    expect(second!.authorization).toBeUndefined();
    expect(second!['x-request-id']).toBe('req-2');
    const names = Object.keys(first!).filter((name) => !['host', 'connection', 'content-length'].includes(name));
    expect(names.sort()).toEqual(['authorization', 'content-type', 'x-request-id']);
  });

  it('turns a non-2xx answer into an error carrying the status and the body', async () => {
    answer = { status: 502, contentType: 'application/json', body: JSON.stringify({ errors: [{ message: 'bad gateway' }] }) };
    const source = new SubgraphDataSource({ url, agent, timeoutMs: 5_000 });
    const error = await fetchWith(source, context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).message).toBe('502: 502');
    expect((error as GraphQLError).extensions.response).toMatchObject({ status: 502, body: { errors: [{ message: 'bad gateway' }] } });
  });

  it('names 401 and 403 answers UNAUTHENTICATED and FORBIDDEN', async () => {
    const source = new SubgraphDataSource({ url, agent, timeoutMs: 5_000 });
    for (const [status, code] of [[401, 'UNAUTHENTICATED'], [403, 'FORBIDDEN']] as const) {
      answer = { status, contentType: 'text/plain', body: 'no' };
      const error = (await fetchWith(source, context()).catch((e: unknown) => e)) as GraphQLError;
      expect(error.extensions.code).toBe(code);
      expect((error.extensions.response as { body: unknown }).body).toBe('no');
    }
  });

  it('refuses a 200 answer that is not JSON', async () => {
    answer = { status: 200, contentType: 'text/html', body: '<html>proxy login</html>' };
    const source = new SubgraphDataSource({ url, agent, timeoutMs: 5_000 });
    await expect(fetchWith(source, context())).rejects.toThrow('Expected JSON response body, but received: <html>proxy login</html>');
  });

  it('aborts a call that outlives the timeout with an error that says so', async () => {
    answer = { ...answer, delayMs: 2_000 };
    const source = new SubgraphDataSource({ url, agent, timeoutMs: 100 });
    await expect(fetchWith(source, context())).rejects.toThrow(/aborted due to timeout \(100 ms\)/);
  });

  it('reports an unreachable subgraph with the connection error', async () => {
    const source = new SubgraphDataSource({ url: 'http://127.0.0.1:1/graphql', agent, timeoutMs: 5_000 });
    await expect(fetchWith(source, context())).rejects.toThrow(/ECONNREFUSED/);
  });
});
