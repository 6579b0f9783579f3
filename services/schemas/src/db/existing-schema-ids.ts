import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { SchemasDatabase } from '../domain/schema-deps';
import { schemas } from './schema';

/** Which of `ids` name live schemas of the tenant. */
export async function existingSchemaIds(db: SchemasDatabase, tenantId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: schemas.id })
    .from(schemas)
    .where(and(eq(schemas.tenantId, tenantId), isNull(schemas.deletedAt), inArray(schemas.id, ids)));
  return new Set(rows.map((row) => row.id));
}
