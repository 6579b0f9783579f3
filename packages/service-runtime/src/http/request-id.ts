import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const acceptable = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a sane inbound `X-Request-Id`; otherwise generates one. */
export function requestIdOf(req: IncomingMessage): string {
  const inbound = req.headers['x-request-id'];
  if (typeof inbound === 'string' && acceptable.test(inbound)) return inbound;
  return `req_${randomUUID()}`;
}
