import { errorHeaders, jwksRequest, requestSubject, type PublicJwk } from '@conveyor/contracts';
import { UnavailableError } from '@conveyor/errors';
import type { KeySource } from './token-verifier';

/** The part of a NATS connection this needs (keeps the package free of a `nats` dependency). */
export interface NatsRequester {
  request(subject: string, data: Uint8Array, options: { timeout: number }): Promise<{ data: Uint8Array; headers?: { get(name: string): string } }>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Asks auth for its JWKS over NATS request/reply (`<prefix>.auth.jwks`). A failure is
 * `SERVICE_UNAVAILABLE`, not an invalid token: the caller's token may well be good.
 */
export function natsKeySource(nc: NatsRequester, prefix: string, timeoutMs = 3_000): KeySource {
  const subject = requestSubject(prefix, 'auth', jwksRequest.verb);
  return async (): Promise<PublicJwk[]> => {
    try {
      const reply = await nc.request(subject, encoder.encode('{}'), { timeout: timeoutMs });
      if (reply.headers?.get(errorHeaders.code)) throw new Error(reply.headers.get(errorHeaders.message) ?? 'auth refused');
      return jwksRequest.response.parse(JSON.parse(decoder.decode(reply.data))).keys;
    } catch (error) {
      throw new UnavailableError('The signing keys could not be fetched from auth', { cause: error });
    }
  };
}
