import { bigserial, index, jsonb, text, timestamp, type PgSchema } from 'drizzle-orm/pg-core';

/**
 * The outbox of one service, in that service's own schema. A state change and the event that
 * announces it are inserted in one transaction; the relay publishes rows to JetStream and deletes
 * them. `payload` is the whole event envelope; its `id` is the `Nats-Msg-Id`.
 */
export function createOutboxTable(schema: PgSchema) {
  return schema.table(
    'outbox',
    {
      id: bigserial('id', { mode: 'number' }).primaryKey(),
      subject: text('subject').notNull(),
      payload: jsonb('payload').notNull(),
      createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    },
    (table) => [index('outbox_created_at_idx').on(table.createdAt)],
  );
}

export type OutboxTable = ReturnType<typeof createOutboxTable>;
