import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, createLogger, registerErrorEnvelope } from '../src/index';

/** JSON bodies through the shared HTTP server: parsed as fastify does, refused when nested too deep. */
let app: FastifyInstance;
const seen: unknown[] = [];

beforeAll(async () => {
  app = createHttpServer({ logger: createLogger('test', 'silent'), bodyLimit: 1_048_576, maxJsonDepth: 10 });
  registerErrorEnvelope(app, { bodyLimit: 1_048_576 });
  app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  app.post('/echo', async (request) => {
    seen.push(request.body);
    return { ok: true };
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const post = (payload: string) => app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload });

describe('JSON bodies', () => {
  it('accepts a body nested exactly as deep as the limit', async () => {
    const response = await post(`{"a":${nested(9)}}`);
    expect(response.statusCode).toBe(200);
    expect(seen.at(-1)).toEqual({ a: JSON.parse(nested(9)) });
  });

  it.each([11, 100_000])('refuses a body nested %i levels with 400 INVALID_JSON before any handler runs', async (levels) => {
    const before = seen.length;
    const response = await post(nested(levels));
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'INVALID_JSON', message: 'The request body nests deeper than 10 levels', details: { max_depth: 10 } });
    expect(seen.length).toBe(before);
  });

  it('still refuses prototype poisoning and malformed JSON', async () => {
    expect((await post('{"__proto__":{"admin":true}}')).statusCode).toBe(400);
    const malformed = await post('{"a":');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('INVALID_JSON');
  });
});

describe('URLs the router refuses', () => {
  it.each([
    ['a path that is not valid percent-encoded UTF-8', '/items/%ED%A0%80', 'The URL path is not valid: a percent-encoded part of it is not UTF-8'],
    ['a path parameter longer than the router takes', `/items/${'x'.repeat(300)}`, 'A path parameter is too long'],
  ])('answers %s with 400 in the envelope', async (_name, url, message) => {
    const response = await app.inject({ method: 'GET', url, headers: { 'x-request-id': 'req-bad-url' } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: { code: 'VALIDATION_ERROR', message, details: null, request_id: 'req-bad-url' } });
  });

  it('leaves a parameter of 256 characters to the route', async () => {
    const response = await app.inject({ method: 'GET', url: `/items/${'x'.repeat(256)}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'x'.repeat(256) });
  });
});
