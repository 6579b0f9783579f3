import { unstorableText, type SchemaStatus } from '@conveyor/contracts';
import { NotFoundError, ValidationError } from '@conveyor/errors';
import { and, count, desc, eq, ilike, isNull, type SQL } from 'drizzle-orm';
import { schemas, schemaVersions } from '../db/schema';
import { escapeLike } from '../db/escape-like';
import type { SchemaDeps } from './schema-deps';
import { isUuid, toSchemaView, toVersionView, toWebhookSecretView, type Actor, type SchemaRow, type SchemaVersionView, type SchemaView, type WebhookSecretView } from './schema-view';

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface SchemaListFilter {
  status?: SchemaStatus | null;
  /** Case-insensitive substring of the name. */
  name?: string | null;
  limit: number;
  offset: number;
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`Schema ${id} not found`, { details: { id } });
}

async function readLive(deps: Pick<SchemaDeps, 'db'>, actor: Pick<Actor, 'tenantId'>, id: string): Promise<SchemaRow> {
  if (!isUuid(id)) throw notFound(id);
  const [row] = await deps.db
    .select()
    .from(schemas)
    .where(and(eq(schemas.id, id), eq(schemas.tenantId, actor.tenantId), isNull(schemas.deletedAt)));
  if (!row) throw notFound(id);
  return row;
}

export async function getSchema(deps: Pick<SchemaDeps, 'db'>, actor: Pick<Actor, 'tenantId'>, id: string): Promise<SchemaView> {
  return toSchemaView(await readLive(deps, actor, id));
}

/** The tenant's live schemas, newest first. */
export async function listSchemas(deps: Pick<SchemaDeps, 'db'>, actor: Pick<Actor, 'tenantId'>, filter: SchemaListFilter): Promise<Page<SchemaView>> {
  const nameProblem = filter.name ? unstorableText(filter.name) : null;
  if (nameProblem) throw new ValidationError(`name ${nameProblem}`, { details: { issues: [{ path: '/name', message: nameProblem }] } });
  const conditions: SQL[] = [eq(schemas.tenantId, actor.tenantId), isNull(schemas.deletedAt)];
  if (filter.status) conditions.push(eq(schemas.status, filter.status));
  if (filter.name) conditions.push(ilike(schemas.name, `%${escapeLike(filter.name)}%`));
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    deps.db.select().from(schemas).where(where).orderBy(desc(schemas.createdAt), desc(schemas.id)).limit(filter.limit).offset(filter.offset),
    deps.db.select({ value: count() }).from(schemas).where(where),
  ]);
  return { items: rows.map(toSchemaView), total: total?.value ?? 0, limit: filter.limit, offset: filter.offset };
}

/** A live schema's versions, newest first (without their graphs; ask for one version to get it). */
export async function listSchemaVersions(
  deps: Pick<SchemaDeps, 'db'>,
  actor: Pick<Actor, 'tenantId'>,
  id: string,
  page: { limit: number; offset: number },
): Promise<Page<SchemaVersionView>> {
  const schema = await readLive(deps, actor, id);
  const rows = await deps.db
    .select()
    .from(schemaVersions)
    .where(eq(schemaVersions.schemaId, schema.id))
    .orderBy(desc(schemaVersions.version))
    .limit(page.limit)
    .offset(page.offset);
  return { items: rows.map(toVersionView), total: schema.version, limit: page.limit, offset: page.offset };
}

export async function getSchemaVersion(deps: Pick<SchemaDeps, 'db'>, actor: Pick<Actor, 'tenantId'>, id: string, version: number): Promise<SchemaVersionView> {
  const schema = await readLive(deps, actor, id);
  const [row] = await deps.db
    .select()
    .from(schemaVersions)
    .where(and(eq(schemaVersions.schemaId, schema.id), eq(schemaVersions.version, version)));
  if (!row) throw new NotFoundError(`Schema ${id} has no version ${version}`, { details: { id, version, latest_version: schema.version } });
  return toVersionView(row);
}

export async function getWebhookSecret(deps: Pick<SchemaDeps, 'db'>, actor: Pick<Actor, 'tenantId'>, id: string): Promise<WebhookSecretView> {
  return toWebhookSecretView(await readLive(deps, actor, id));
}
