import { errorHeaders, eventEnvelopeSchema, jwksRequest, requestSubject, subjectOfEvent, userUpdatedEvent, type PublicJwk } from '@conveyor/contracts';
import { UnavailableError } from '@conveyor/errors';
import type { KeySource, TokenVerifier } from './token-verifier';

/** The part of a NATS connection this needs (keeps the package free of a `nats` dependency). */
export interface NatsRequester {
  request(subject: string, data: Uint8Array, options: { timeout: number }): Promise<{ data: Uint8Array; headers?: { get(name: string): string } }>;
}

/** The part of a NATS connection `subscribeToRevocations` needs. */
export interface NatsSubscriber {
  subscribe(subject: string, options: { callback: (error: unknown, msg: { data: Uint8Array }) => void }): { unsubscribe(): void };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Asks auth for its JWKS over NATS request/reply (`<prefix>.auth.jwks`). A failure is
 * `SERVICE_UNAVAILABLE`, not an invalid token: the caller's token may well be good.
 */
export function natsKeySource(nc: NatsRequester, prefix: string, timeoutMs = 5_000): KeySource {
  const subject = requestSubject(prefix, 'auth', jwksRequest.verb);
  return async () => {
    try {
      const reply = await nc.request(subject, encoder.encode('{}'), { timeout: timeoutMs });
      if (reply.headers?.get(errorHeaders.code)) throw new Error(reply.headers.get(errorHeaders.message) ?? 'auth refused');
      const jwks = jwksRequest.response.parse(JSON.parse(decoder.decode(reply.data)));
      return {
        keys: jwks.keys as PublicJwk[],
        revocations: jwks.revocations.map((r) => ({ userId: r.user_id, notBefore: Date.parse(r.tokens_valid_after) })),
      };
    } catch (error) {
      throw new UnavailableError('The signing keys could not be fetched from auth', { cause: error });
    }
  };
}

/**
 * Pushes auth's `user.updated` events (a core subscription on the events subject; the outbox
 * relay's JetStream publish reaches it) into the verifier, so a disabled user's or a demoted
 * user's older tokens are refused at once rather than at the next key-set fetch (1 minute).
 */
export function subscribeToRevocations(nc: NatsSubscriber, prefix: string, verifier: Pick<TokenVerifier, 'revoke'>): { unsubscribe(): void } {
  return nc.subscribe(subjectOfEvent(prefix, userUpdatedEvent), {
    callback: (error, msg) => {
      if (error) return;
      try {
        const envelope = eventEnvelopeSchema.parse(JSON.parse(decoder.decode(msg.data)));
        const data = userUpdatedEvent.data.parse(envelope.data);
        if (data.tokens_valid_after) verifier.revoke({ userId: data.user_id, notBefore: Date.parse(data.tokens_valid_after) });
      } catch {
        // Not an event of this contract: nothing to revoke.
      }
    },
  });
}
