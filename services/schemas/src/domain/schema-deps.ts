import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as tables from '../db/schema';
import type { DefinitionLimits } from './definition-shape';
import type { NodeTypeSource } from './validate-definition';

export type SchemasDatabase = NodePgDatabase<typeof tables>;

/** What the schemas domain needs, built once in `main.ts`. */
export interface SchemaDeps {
  db: SchemasDatabase;
  /** NATS prefix of this installation, for the outbox events' subjects. */
  prefix: string;
  /** Tells the outbox relay to publish now instead of at its next poll. */
  wakeRelay(): void;
  limits: DefinitionLimits;
  nodeTypes: NodeTypeSource;
}
