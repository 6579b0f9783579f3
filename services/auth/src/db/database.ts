import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as tables from './schema';

/** The auth service's drizzle handle (search_path = `auth`). */
export type AuthDb = NodePgDatabase<typeof tables>;

/** A handle that is either the database or a transaction on it. */
export type AuthExecutor = Pick<AuthDb, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;
