import { randomUUID } from 'node:crypto';
import { subjectOfEvent, type EventContract, type EventEnvelope } from '@conveyor/contracts';
import type { z } from 'zod';
import type { Queryable } from '@conveyor/service-runtime';

/** One outbox row: an event envelope, or a step dispatch whose `id` is its `Nats-Msg-Id`. */
export interface OutboxRow {
  subject: string;
  payload: { id: string } & Record<string, unknown>;
}

/** Builds an event row, validating its data against the contract (a malformed event fails the transaction). */
export function eventRow<Data extends z.ZodType>(
  prefix: string,
  contract: EventContract<Data>,
  tenantId: string | null,
  entity: { typename: string; id: string },
  data: z.input<Data>,
): OutboxRow {
  const subject = subjectOfEvent(prefix, contract as EventContract<z.ZodType>);
  const envelope: EventEnvelope = {
    v: 1,
    id: randomUUID(),
    type: subject,
    occurred_at: new Date().toISOString(),
    tenant_id: tenantId,
    entity,
    data: contract.data.parse(data) as Record<string, unknown>,
  };
  return { subject, payload: envelope };
}

/** Inserts every row in one statement (one round trip per transaction, whatever the count). */
export async function insertOutboxRows(client: Queryable, rows: OutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `insert into outbox (subject, payload) select s, p from unnest($1::text[], $2::jsonb[]) as t(s, p)`,
    [rows.map((r) => r.subject), rows.map((r) => JSON.stringify(r.payload))],
  );
}
