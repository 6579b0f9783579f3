import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeExecutionError } from '../node-execution-error';
import { findNodeModule } from '../registry';
import { createTestContext } from '../test-context';
import { maxResponseBytes } from './http-request';

// A local endpoint standing in for the third-party services a workflow calls.
let server: Server;
let base: string;
const received: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
let slowResponses: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push({ method: request.method!, url: request.url!, headers: request.headers, body });
    const path = new URL(request.url!, 'http://x').pathname;
    if (path === '/json') return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, echo: body ? JSON.parse(body) : null }));
    if (path === '/text') return void response.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    if (path === '/missing') return void response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"nope"}');
    if (path === '/busy') return void response.writeHead(503).end();
    if (path === '/huge') return void response.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(maxResponseBytes + 1));
    if (path === '/slow') return void slowResponses.push(response);
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const response of slowResponses) response.destroy();
  slowResponses = [];
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function call(config: Record<string, unknown>, input: unknown = null, signal?: AbortSignal) {
  return findNodeModule('http.request')!.execute(createTestContext(config, input, signal).context);
}

describe('http.request', () => {
  it('GETs with query and headers and parses a JSON answer', async () => {
    const result = await call({ url: `${base}/json`, query: { q: 'a b' }, headers: { 'x-token': 't' } });
    expect(result).toMatchObject({ kind: 'output', output: { status: 200, body: { ok: true, echo: null } } });
    const last = received.at(-1)!;
    expect(last).toMatchObject({ method: 'GET', url: '/json?q=a+b', body: '' });
    expect(last.headers['x-token']).toBe('t');
  });

  it('POSTs the input as JSON by default, or the mapped body', async () => {
    expect(await call({ url: `${base}/json`, method: 'POST' }, { a: 1 })).toMatchObject({ output: { body: { echo: { a: 1 } } } });
    expect(received.at(-1)!.headers['content-type']).toBe('application/json');
    expect(await call({ url: `${base}/json`, method: 'PUT', bodyExpression: '{"b": a + 1}' }, { a: 1 })).toMatchObject({ output: { body: { echo: { b: 2 } } } });
    expect(await call({ url: `${base}/json`, method: 'PATCH', body: { fixed: true } }, { a: 1 })).toMatchObject({ output: { body: { echo: { fixed: true } } } });
  });

  it('keeps a non-JSON body as text', async () => {
    expect(await call({ url: `${base}/text` })).toMatchObject({ output: { status: 200, body: 'hello' } });
  });

  it('fails for good on 4xx and retryably on 5xx, unless failOnStatus is false', async () => {
    await expect(call({ url: `${base}/missing` })).rejects.toMatchObject({ code: 'HTTP_STATUS', retryable: false, details: { status: 404, body: { error: 'nope' } } });
    await expect(call({ url: `${base}/busy` })).rejects.toMatchObject({ code: 'HTTP_STATUS', retryable: true });
    expect(await call({ url: `${base}/missing`, failOnStatus: false })).toMatchObject({ output: { status: 404 } });
  });

  it('times out retryably', async () => {
    await expect(call({ url: `${base}/slow`, timeoutMs: 50 })).rejects.toMatchObject({ code: 'HTTP_TIMEOUT', retryable: true });
  });

  it('is aborted by the step signal with its reason', async () => {
    const controller = new AbortController();
    const pending = call({ url: `${base}/slow` }, null, controller.signal);
    while (slowResponses.length === 0 || received.at(-1)?.url !== '/slow') await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('execution stopped'));
    await expect(pending).rejects.toThrow('execution stopped');
  });

  it('refuses an oversized response and reports unreachable hosts retryably', async () => {
    await expect(call({ url: `${base}/huge` })).rejects.toMatchObject({ code: 'HTTP_RESPONSE_TOO_LARGE' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await call({ url: `http://127.0.0.1:${port}/` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeExecutionError);
    expect(error).toMatchObject({ code: 'HTTP_NETWORK_ERROR', retryable: true });
  });
});
