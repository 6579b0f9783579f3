import { pgSchema } from 'drizzle-orm/pg-core';
import { createOutboxTable } from '@conveyor/service-runtime/outbox-table';

export const schemasSchema = pgSchema('schemas');
export const outbox = createOutboxTable(schemasSchema);
