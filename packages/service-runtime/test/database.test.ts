import { createTestDatabase, type TestDatabase } from '@conveyor/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, withTransaction } from '../src/index';

let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase('runtime_db');
  ({ pool } = createDatabase({ url: database.url, schemaName: 'public', poolMax: 2, tables: {}, applicationName: 'database-test' }));
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

describe('service database pool', () => {
  it('survives a session ended in the middle of a transaction: the transaction fails, the pool goes on', async () => {
    const outcome = withTransaction(pool, async (client) => {
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      const closed = new Promise((resolve) => client.once('end', resolve));
      // Another session ends this one between two of its queries, as a restart or failover would.
      await pool.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      await closed;
      await client.query('select 1');
    });
    await expect(outcome).rejects.toThrow(/not queryable|terminat/i);
    expect((await pool.query<{ one: number }>('select 1 as one')).rows[0]!.one).toBe(1);
  });
});
