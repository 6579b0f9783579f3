import { createDatabase, defaultRandomPageCost } from '@conveyor/service-runtime';
import { createTestDatabase, migrateServices, type TestDatabase } from '@conveyor/testing';
import type pg from 'pg';
import * as tables from '../src/db/schema';

export interface SchedulerDatabase {
  db: TestDatabase;
  /** Connections set up as the service's pool sets up its own (`createDatabase`). */
  pool: pg.Pool;
  close(): Promise<void>;
}

/** A database of its own for one test file, migrated for the scheduler. */
export async function openSchedulerDatabase(label: string, poolMax: number): Promise<SchedulerDatabase> {
  const db = await createTestDatabase(label);
  await migrateServices(db.url, ['scheduler']);
  const { pool } = createDatabase({ url: db.url, schemaName: 'scheduler', poolMax, tables, applicationName: `${label}-test`, randomPageCost: defaultRandomPageCost });
  return {
    db,
    pool,
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}
