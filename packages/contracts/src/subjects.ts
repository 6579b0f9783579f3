/**
 * Subject naming, declared once. Every subject starts with a namespace prefix (`NATS_PREFIX`,
 * default `conveyor`) so that test runs and several installations can share one NATS server.
 *
 * - events:   `<prefix>.<service>.<entity>.<past-tense-verb>` (four tokens, captured by the
 *             events stream)
 * - requests: `<prefix>.<service>.<verb>` (three tokens, never captured by a stream, so a
 *             request is answered by a service and not by a JetStream publish ack)
 */
export const serviceNames = ['auth', 'schemas', 'executions', 'scheduler', 'catalog'] as const;
export type ServiceName = (typeof serviceNames)[number];

const tokenPattern = /^[a-z][a-z0-9_-]*$/;

function assertToken(token: string): string {
  if (!tokenPattern.test(token)) throw new Error(`invalid subject token: ${JSON.stringify(token)}`);
  return token;
}

export function requestSubject(prefix: string, service: ServiceName, verb: string): string {
  return [prefix, service, verb].map(assertToken).join('.');
}

export function eventSubject(prefix: string, service: ServiceName, entity: string, verb: string): string {
  return [prefix, service, entity, verb].map(assertToken).join('.');
}

export function isValidPrefix(prefix: string): boolean {
  return tokenPattern.test(prefix);
}
