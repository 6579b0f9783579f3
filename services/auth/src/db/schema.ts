import { pgSchema } from 'drizzle-orm/pg-core';
import { createOutboxTable } from '@conveyor/service-runtime/outbox-table';

export const authSchema = pgSchema('auth');
export const outbox = createOutboxTable(authSchema);
