import { z } from 'zod';
import { eventSubject, serviceNames, type ServiceName } from './subjects';

/**
 * Every event on the events stream has this envelope. `entity` names the GraphQL type and key of
 * what changed, so live-status consumers can resolve any other field through the gateway.
 */
export const eventEnvelopeSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  type: z.string().min(1),
  occurred_at: z.iso.datetime(),
  tenant_id: z.string().nullable(),
  entity: z.object({ typename: z.string().min(1), id: z.string().min(1) }),
  data: z.record(z.string(), z.unknown()),
});

export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

export interface EventContract<Data extends z.ZodType> {
  service: ServiceName;
  entity: string;
  verb: string;
  data: Data;
}

export function defineEvent<Data extends z.ZodType>(contract: EventContract<Data>): EventContract<Data> {
  return contract;
}

export function subjectOfEvent(prefix: string, contract: EventContract<z.ZodType>): string {
  return eventSubject(prefix, contract.service, contract.entity, contract.verb);
}

/** Announced by every service instance once it is serving: proves its outbox reaches JetStream. */
export const instanceStartedEvents = Object.fromEntries(
  serviceNames.map((service) => [
    service,
    defineEvent({
      service,
      entity: 'instance',
      verb: 'started',
      data: z.object({ instance_id: z.string(), version: z.string(), hostname: z.string() }),
    }),
  ]),
) as Record<ServiceName, EventContract<z.ZodObject<{ instance_id: z.ZodString; version: z.ZodString; hostname: z.ZodString }>>>;
