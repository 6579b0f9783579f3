import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const adminDatabaseUrl = process.env.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** A lower-case, subject- and identifier-safe name unique to one test file's run. */
export function uniqueName(label: string): string {
  return `t_${label.toLowerCase().replace(/[^a-z0-9]/g, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Drops a test database. Its connections get a moment to close first: `pool.end()` resolves once
 * it has asked its clients to end, before their backends have gone, and a backend that `with
 * (force)` terminates then sends its client a FATAL error that no listener handles any more (an
 * uncaught exception that fails the test run). Whatever is still connected after that moment (a
 * leaked client, a killed process's connection) is terminated by `force`.
 */
export async function dropDatabase(name: string, waitMs = 3_000): Promise<void> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    for (const deadline = Date.now() + waitMs; Date.now() < deadline; ) {
      const { rows } = await client.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
      if (rows[0]!.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}

/** A fresh database for one test file; `drop` removes it even while connections linger. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = uniqueName(label);
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => dropDatabase(name),
  };
}
