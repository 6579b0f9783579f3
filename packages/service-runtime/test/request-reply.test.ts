import { defineRequest } from '@conveyor/contracts';
import { AppError, NotFoundError } from '@conveyor/errors';
import { connectTestNats, uniqueName } from '@conveyor/testing';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger, requestOverNats, serveRequests } from '../src/index';

const contract = defineRequest({
  verb: 'lookup',
  request: z.object({ id: z.number().int() }).strict(),
  response: z.object({ id: z.number(), name: z.string() }),
});

const prefix = uniqueName('rr');
const subject = `${prefix}.catalog.lookup`;
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connectTestNats();
  serveRequests({
    nc,
    subject,
    queue: 'catalog',
    contract,
    logger: createLogger('test', 'silent'),
    handle: async ({ id }) => {
      if (id === 404) throw new NotFoundError(`item ${id} not found`);
      if (id === 500) throw new Error('secret internals');
      return { id, name: `item ${id}` };
    },
  });
  await nc.flush();
});

afterAll(async () => {
  await nc.drain();
});

describe('request/reply', () => {
  it('answers a valid request with a validated response', async () => {
    await expect(requestOverNats({ nc, subject, contract, payload: { id: 7 } })).resolves.toEqual({ id: 7, name: 'item 7' });
  });

  it('carries domain errors across as headers and rebuilds them', async () => {
    const error = await requestOverNats({ nc, subject, contract, payload: { id: 404 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('RESOURCE_NOT_FOUND');
    expect((error as AppError).message).toBe('item 404 not found');
  });

  it('hides internal failures', async () => {
    const error = (await requestOverNats({ nc, subject, contract, payload: { id: 500 } }).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('INTERNAL_ERROR');
    expect(error.message).not.toContain('secret');
  });

  it('refuses a request that breaks the contract on the serving side', async () => {
    const reply = await nc.request(subject, new TextEncoder().encode(JSON.stringify({ id: 'x' })));
    expect(reply.headers?.get('Conveyor-Error-Code')).toBe('VALIDATION_ERROR');
  });

  it('reports a missing service as unavailable', async () => {
    const error = (await requestOverNats({ nc, subject: `${prefix}.catalog.nobody`, contract, payload: { id: 1 } }).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
  });
});
