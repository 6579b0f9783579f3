import { pgSchema } from 'drizzle-orm/pg-core';
import { createOutboxTable } from '@conveyor/service-runtime/outbox-table';

export const schedulerSchema = pgSchema('scheduler');
export const outbox = createOutboxTable(schedulerSchema);
