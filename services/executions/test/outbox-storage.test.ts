import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineHarness, type EngineHarness } from './engine-harness';

let h: EngineHarness;

beforeAll(async () => {
  h = await startEngineHarness('outbox_storage', { runSteps: false });
});

afterAll(async () => {
  await h?.close();
});

describe('outbox rows', () => {
  it('have no index but their key (the relay reads in id order; a row lives for milliseconds)', async () => {
    const { rows } = await h.pool.query<{ indexname: string }>(`select indexname from pg_indexes where schemaname = 'executions' and tablename = 'outbox'`);
    expect(rows.map((r) => r.indexname)).toEqual(['outbox_pkey']);
  });

  it('are stored inline and uncompressed up to a page, however compressible', async () => {
    const client = await h.pool.connect();
    try {
      // Uncommitted, so the relay never sees it.
      await client.query('begin');
      const events = Array.from({ length: 12 }, (_, i) => ({ subject: 'x.executions.log.appended', payload: { id: `e${i}`, data: { message: 'step completed'.repeat(20) } } }));
      const inserted = await client.query<{ id: string }>(`insert into outbox (subject, payload) values ('x', $1::jsonb) returning id`, [JSON.stringify({ id: 'batch', batch: events })]);
      // Read back: what RETURNING shows is the row before storage.
      const { rows } = await client.query<{ bytes: number; compression: string | null }>(
        `select pg_column_size(payload) as bytes, pg_column_compression(payload) as compression from outbox where id = $1`,
        [inserted.rows[0]!.id],
      );
      // Past the 2 KB toast threshold, and not compressed.
      expect(rows[0]!.bytes).toBeGreaterThan(2_100);
      expect(rows[0]!.compression).toBeNull();
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});
