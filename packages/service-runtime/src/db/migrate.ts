import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

/** Creates the database named in `url` when it is missing (connecting to `postgres` to do so). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`refusing to create database with name ${JSON.stringify(name)}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount === 0) {
      try {
        await client.query(`create database "${name}"`);
      } catch (error) {
        // Two starters racing: the other one created it.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * Where drizzle keeps each service's journal: the `drizzle` schema, one table per service, so the
 * generated `CREATE SCHEMA` of a service's first migration runs on an empty slate.
 */
export const migrationsJournal = {
  schema: 'drizzle',
  table: (schemaName: string) => `${schemaName}_migrations`,
};

/**
 * Applies a service's committed drizzle migrations. Services migrate independently; an advisory lock serialises concurrent migrators
 * (several pods starting the Job, or the start command run twice).
 */
export async function migrateServiceSchema(options: { url: string; schemaName: string; migrationsFolder: string }): Promise<void> {
  const client = new pg.Client({ connectionString: options.url });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [`conveyor-migrate:${options.schemaName}`]);
    await migrate(drizzle(client), {
      migrationsFolder: options.migrationsFolder,
      migrationsSchema: migrationsJournal.schema,
      migrationsTable: migrationsJournal.table(options.schemaName),
    });
  } finally {
    await client.end();
  }
}
