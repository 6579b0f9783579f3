import type { Queryable } from '@conveyor/service-runtime';

/** The tenant that owns a schema, as announced by the schemas service; null when unknown or purged. */
export async function tenantOfSchema(client: Queryable, schemaId: string): Promise<string | null> {
  const { rows } = await client.query<{ tenantId: string }>('select tenant_id as "tenantId" from schema_tenants where schema_id = $1', [schemaId]);
  return rows[0]?.tenantId ?? null;
}

export async function rememberSchemaTenant(client: Queryable, schemaId: string, tenantId: string): Promise<void> {
  await client.query(
    `insert into schema_tenants (schema_id, tenant_id) values ($1, $2)
     on conflict (schema_id) do update set tenant_id = excluded.tenant_id, updated_at = now()`,
    [schemaId, tenantId],
  );
}

export async function forgetSchemaTenant(client: Queryable, schemaId: string): Promise<void> {
  await client.query('delete from schema_tenants where schema_id = $1', [schemaId]);
}
