import { sql } from 'drizzle-orm';
import type { SchemasDatabase } from '../domain/schema-deps';

export interface DeletedSchemaSize {
  id: string;
  name: string;
  deletedAt: Date;
  versions: number;
  bytes: number;
}

/**
 * Soft-deleted schemas of a tenant (optionally only those deleted before `before` or one `id`)
 * with the bytes their rows and versions take: `pg_column_size` of each row, which is what a
 * purge gives back to the table (before VACUUM), not counting indexes.
 */
export async function readDeletedSchemaSizes(db: SchemasDatabase, tenantId: string, filter: { before?: Date; id?: string } = {}): Promise<DeletedSchemaSize[]> {
  const result = await db.execute<{ id: string; name: string; deleted_at: Date | string; versions: string; bytes: string }>(sql`
    select s.id, s.name, s.deleted_at,
           (select count(*) from schemas.schema_versions v where v.schema_id = s.id) as versions,
           pg_column_size(s.*) + coalesce((select sum(pg_column_size(v.*)) from schemas.schema_versions v where v.schema_id = s.id), 0) as bytes
      from schemas.schemas s
     where s.tenant_id = ${tenantId}
       and s.deleted_at is not null
       ${filter.before ? sql`and s.deleted_at < ${filter.before.toISOString()}` : sql``}
       ${filter.id ? sql`and s.id = ${filter.id}` : sql``}
     order by s.deleted_at`);
  return result.rows.map((row) => ({
    id: row.id,
    name: row.name,
    deletedAt: new Date(row.deleted_at),
    versions: Number(row.versions),
    bytes: Number(row.bytes),
  }));
}

/** Megabytes with two decimals, as the admin API reports disk space. */
export function toMegabytes(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 100) / 100;
}
