import { randomUUID } from 'node:crypto';
import { subjectOfEvent, type EventContract, type EventEnvelope } from '@conveyor/contracts';
import type { z } from 'zod';
import type { Queryable } from '@conveyor/service-runtime';

/** One outbox row: an event envelope, or a step dispatch whose `id` is its `Nats-Msg-Id`. */
export interface OutboxRow {
  subject: string;
  payload: { id: string } & Record<string, unknown>;
}

/** Subjects by contract and prefix: an execution of bench/engine (a) builds 13 events. */
const subjects = new WeakMap<object, Map<string, string>>();

function subjectFor(prefix: string, contract: EventContract<z.ZodType>): string {
  let byPrefix = subjects.get(contract);
  if (!byPrefix) subjects.set(contract, (byPrefix = new Map()));
  let subject = byPrefix.get(prefix);
  if (subject === undefined) byPrefix.set(prefix, (subject = subjectOfEvent(prefix, contract)));
  return subject;
}

/** Builds an event row, validating its data against the contract (a malformed event fails the transaction). */
export function eventRow<Data extends z.ZodType>(
  prefix: string,
  contract: EventContract<Data>,
  tenantId: string | null,
  entity: { typename: string; id: string },
  data: z.input<Data>,
): OutboxRow {
  const subject = subjectFor(prefix, contract as EventContract<z.ZodType>);
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

/**
 * The events of one transaction as outbox rows: one row carrying them all (`payload.batch`, which
 * the relay publishes as separate messages, each with its own `Nats-Msg-Id`), or the row itself
 * when there is one. Measured per execution of bench/engine (a): 13 rows inserted and deleted
 * became 4.
 */
export function packOutboxRows(rows: OutboxRow[]): OutboxRow[] {
  if (rows.length <= 1) return rows;
  return [{ subject: rows[0]!.subject, payload: { id: rows[0]!.payload.id, batch: rows } }];
}

/** Inserts every row in one statement (one round trip per transaction, whatever the count). */
export async function insertOutboxRows(client: Queryable, rows: OutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  rows = packOutboxRows(rows);
  await client.query(
    `insert into outbox (subject, payload) select s, p from unnest($1::text[], $2::jsonb[]) as t(s, p)`,
    [rows.map((r) => r.subject), rows.map((r) => JSON.stringify(r.payload))],
  );
}
