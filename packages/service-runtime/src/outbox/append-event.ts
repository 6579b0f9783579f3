import { randomUUID } from 'node:crypto';
import { subjectOfEvent, type EventContract, type EventEnvelope } from '@conveyor/contracts';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { z } from 'zod';
import type { OutboxTable } from './outbox-table';

// Any drizzle PostgreSQL database or transaction handle: the event commits with whatever it is part of.
type Executor = Pick<PgDatabase<PgQueryResultHKT, Record<string, unknown>>, 'insert'>;

export interface AppendEventInput<Data extends z.ZodType> {
  prefix: string;
  contract: EventContract<Data>;
  tenantId: string | null;
  entity: { typename: string; id: string };
  data: z.input<Data>;
}

/**
 * Writes an event into the outbox inside the caller's transaction. The data is validated against
 * its contract here, so a malformed event fails the transaction instead of reaching consumers.
 */
export async function appendEvent<Data extends z.ZodType>(
  executor: Executor,
  outbox: OutboxTable,
  input: AppendEventInput<Data>,
): Promise<EventEnvelope> {
  const subject = subjectOfEvent(input.prefix, input.contract as EventContract<z.ZodType>);
  const envelope: EventEnvelope = {
    v: 1,
    id: randomUUID(),
    type: subject,
    occurred_at: new Date().toISOString(),
    tenant_id: input.tenantId,
    entity: input.entity,
    data: input.contract.data.parse(input.data) as Record<string, unknown>,
  };
  await executor.insert(outbox).values({ subject, payload: envelope });
  return envelope;
}
