import { z } from 'zod';
import { defineEvent } from './events';
import { defineRequest } from './requests';

/** One public signing key as a JSON Web Key (Ed25519, `OKP`/`Ed25519`). */
export const publicJwkSchema = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().min(1),
    kid: z.string().min(1),
    alg: z.literal('EdDSA'),
    use: z.literal('sig'),
  })
  .strip();

export type PublicJwk = z.infer<typeof publicJwkSchema>;

/**
 * `<prefix>.auth.jwks`: the keys that verify access tokens (the same set auth serves at
 * `/.well-known/jwks.json`). Verifiers cache it and ask again when a token names an unknown `kid`.
 */
export const jwksRequest = defineRequest({
  verb: 'jwks',
  request: z.object({}).strict(),
  response: z.object({
    keys: z.array(publicJwkSchema),
    /** Users whose access tokens issued before `tokens_valid_after` are refused (disabled, role or password changed). */
    revocations: z.array(z.object({ user_id: z.uuid(), tokens_valid_after: z.iso.datetime() })).default([]),
  }),
});

/** Roles, from the least to the most privileged. */
export const roles = ['analyst', 'engineer', 'architect', 'admin'] as const;
export type Role = (typeof roles)[number];

/** `<prefix>.auth.user.updated`: a user's role, disabled flag or password changed; verifiers drop their older tokens. */
export const userUpdatedEvent = defineEvent({
  service: 'auth',
  entity: 'user',
  verb: 'updated',
  data: z.object({
    user_id: z.uuid(),
    role: z.enum(roles),
    disabled: z.boolean(),
    /** Access tokens of this user issued before this instant are refused by every verifier. */
    tokens_valid_after: z.iso.datetime().nullable(),
  }),
});

/**
 * `<prefix>.gateway.ratelimit`: each gateway replica's request counts of the current window
 * (core NATS, fire and forget; three tokens, so no stream captures it).
 */
export const gatewayRateLimitSubject = (prefix: string) => `${prefix}.gateway.ratelimit`;
