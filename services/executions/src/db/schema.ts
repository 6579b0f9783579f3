import { pgSchema } from 'drizzle-orm/pg-core';
import { createOutboxTable } from '@conveyor/service-runtime/outbox-table';

export const executionsSchema = pgSchema('executions');
export const outbox = createOutboxTable(executionsSchema);
