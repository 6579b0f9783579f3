import { pgSchema } from 'drizzle-orm/pg-core';
import { createOutboxTable } from '@conveyor/service-runtime/outbox-table';

export const catalogSchema = pgSchema('catalog');
export const outbox = createOutboxTable(catalogSchema);
