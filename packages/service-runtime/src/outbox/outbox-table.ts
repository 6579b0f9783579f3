import { bigserial, json, jsonb, text, timestamp, type PgSchema } from 'drizzle-orm/pg-core';

/**
 * The outbox of one service, in that service's own schema. A state change and the event that
 * announces it are inserted in one transaction; the relay publishes rows to JetStream and deletes
 * them. `payload` is the whole event envelope (or `{"batch": [...]}` of several); an event's `id`
 * is its `Nats-Msg-Id`. No index but the key: the relay reads in id order, and a row lives for
 * milliseconds (each service's migration `…_outbox_no_created_at_index` dropped the one on
 * `created_at`, which nothing read).
 *
 * `payload` is `jsonb` unless the service asks for `json`. A `json` payload is stored as the text
 * it was written in and handed to the relay as is: PostgreSQL neither builds a binary document
 * when the row is inserted nor renders one when it is read. It cannot hold batch rows (the relay
 * does not look inside it). The scheduler, which writes two events per task, uses it.
 */
/** The type of an outbox's `payload` column. */
export type OutboxPayloadType = 'json' | 'jsonb';

export function createOutboxTable(schema: PgSchema, options: { payload?: OutboxPayloadType } = {}) {
  return schema.table('outbox', {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    subject: text('subject').notNull(),
    payload: (options.payload === 'json' ? json('payload') : jsonb('payload')).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  });
}

export type OutboxTable = ReturnType<typeof createOutboxTable>;
