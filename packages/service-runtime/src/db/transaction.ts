import type pg from 'pg';

/** Anything that runs a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

export interface TransactionOptions {
  /**
   * Settings for this transaction only (`set local`), sent with `begin` in the same round trip.
   * Names and values are the caller's constants, never client input.
   */
  settings?: Readonly<Record<string, string>>;
}

/** Runs `work` in one transaction on one pooled connection; rolls back on any error. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(beginSql(options));
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function beginSql({ settings }: TransactionOptions): string {
  if (!settings) return 'begin';
  return ['begin', ...Object.entries(settings).map(([name, value]) => `set local ${name} = ${value}`)].join('; ');
}
