import { schemaVersionRequest } from '@conveyor/contracts';
import { serveRequests, type Logger, type ServiceRuntime } from '@conveyor/service-runtime';
import type { SchemaDeps } from '../domain/schema-deps';
import { readSchemaVersionForEngine } from '../domain/schema-version-for-engine';

/** Answers `<prefix>.schemas.schema-version` in the schemas queue group. */
export function serveSchemaVersion(deps: { nc: ServiceRuntime<never>['nc']; subject: string; logger: Logger; schemas: Pick<SchemaDeps, 'db'> }): ReturnType<typeof serveRequests> {
  return serveRequests({
    nc: deps.nc,
    subject: deps.subject,
    queue: 'schemas',
    contract: schemaVersionRequest,
    logger: deps.logger,
    handle: (request) => readSchemaVersionForEngine(deps.schemas, request),
  });
}
