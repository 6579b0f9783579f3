export { accessTokenClaims, type Identity, type Role } from './identity';
export { requireIdentity, requireRole, type HasIdentity } from './require-identity';
export { can, permissions, requirePermission, type Permission } from './permissions';
export { createTokenVerifier, type KeySource, type Revocation, type TokenVerifier, type TokenVerifierOptions } from './token-verifier';
export { natsKeySource, subscribeToRevocations, type NatsRequester, type NatsSubscriber } from './jwks-over-nats';
