import { bigserial, jsonb, text, timestamp, type PgSchema } from 'drizzle-orm/pg-core';

/**
 * The outbox of one service, in that service's own schema. A state change and the event that
 * announces it are inserted in one transaction; the relay publishes rows to JetStream and deletes
 * them. `payload` is the whole event envelope (or `{"batch": [...]}` of several); an event's `id`
 * is its `Nats-Msg-Id`. No index but the key: the relay reads in id order, and a row lives for
 * milliseconds (each service's migration `…_outbox_no_created_at_index` dropped the one on
 * `created_at`, which nothing read).
 */
export function createOutboxTable(schema: PgSchema) {
  return schema.table('outbox', {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    subject: text('subject').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  });
}

export type OutboxTable = ReturnType<typeof createOutboxTable>;
