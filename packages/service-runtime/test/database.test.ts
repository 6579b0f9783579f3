import { createTestDatabase, type TestDatabase } from '@conveyor/testing';
import type pg from 'pg';
import { toPublicError } from '@conveyor/errors';
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

describe('values the database refuses', () => {
  const refusal = async (sql: string, values: unknown[]) => pool.query(sql, values).then(
    () => null,
    (error: unknown) => error,
  );

  it.each([
    ['a NUL character in text', 'select $1::text', ['a\u0000b'], '22021'],
    ['a \\u0000 escape in jsonb', 'select $1::jsonb', ['{"a":"\\u0000"}'], '22P05'],
    ['a lone surrogate escape in jsonb', 'select $1::jsonb', ['{"a":"\\ud800"}'], '22P02'],
    ['an integer out of range', 'select $1::int', ['99999999999'], '22003'],
  ])('answers %s as a 400 VALIDATION_ERROR naming the reason, not a 500', async (_name, sql, values, sqlstate) => {
    const error = await refusal(sql, values);
    expect((error as { code?: string }).code).toBe(sqlstate);
    const pub = toPublicError(error);
    expect(pub).toMatchObject({ code: 'VALIDATION_ERROR', status: 400, details: { sqlstate } });
    expect(pub.message).toContain((error as Error).message);
    // Also when a library wraps the driver's error.
    expect(toPublicError(new Error('query failed', { cause: error }))).toMatchObject({ code: 'VALIDATION_ERROR', status: 400 });
  });

  it('keeps other database failures internal', async () => {
    const error = await refusal('select * from no_such_table', []);
    expect((error as { code?: string }).code).toBe('42P01');
    expect(toPublicError(error)).toEqual({ code: 'INTERNAL_ERROR', status: 500, message: 'Internal server error', details: null });
  });
});
