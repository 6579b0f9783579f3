import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';

export interface Database<TSchema extends Record<string, unknown>> {
  pool: pg.Pool;
  db: NodePgDatabase<TSchema>;
}

/**
 * A pool whose connections use the service's own PostgreSQL schema first on the search path, so
 * a service cannot read another service's tables by accident.
 */
export function createDatabase<TSchema extends Record<string, unknown>>(options: {
  url: string;
  schemaName: string;
  poolMax: number;
  tables: TSchema;
  applicationName: string;
  /** The planner's `random_page_cost` for these connections (PostgreSQL's own when unset). */
  randomPageCost?: number;
}): Database<TSchema> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    application_name: options.applicationName,
    options: `-c search_path=${options.schemaName}${options.randomPageCost === undefined ? '' : ` -c random_page_cost=${options.randomPageCost}`}`,
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // Nor must a client in use: a session ended between two queries of a transaction (a database
  // restart or failover, an administrator, a timeout) makes the client emit `error`, and the pool
  // listens only to idle clients. The transaction's next query then fails, it rolls back, and the
  // client is dropped when released.
  pool.on('connect', (client) => void client.on('error', () => undefined));
  return { pool, db: drizzle(pool, { schema: options.tables }) };
}

/** Round-trip time of a trivial query, in milliseconds. */
export async function pingDatabase(pool: pg.Pool): Promise<void> {
  await pool.query('select 1');
}
