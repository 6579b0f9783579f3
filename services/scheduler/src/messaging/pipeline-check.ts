import { schemaVersionRequest, subjectOfRequest, type SchemaStatus } from '@conveyor/contracts';
import { AppError, NotFoundError } from '@conveyor/errors';
import { requestOverNats } from '@conveyor/service-runtime';
import type { NatsConnection } from 'nats';

/**
 * A tenant's pipeline and its status: pipelines are schemas, owned by the schemas service, so the
 * scheduler asks it over NATS (`schemas.schema-version`). A missing or deleted schema answers
 * RESOURCE_NOT_FOUND for the pipeline; an unavailable schemas service fails the caller's request
 * (503 / 504) rather than storing a trigger or a run nobody can check.
 */
export type PipelineCheck = (tenantId: string, pipelineId: string) => Promise<{ status: SchemaStatus }>;

export function createPipelineCheck(deps: { nc: NatsConnection; prefix: string; timeoutMs?: number }): PipelineCheck {
  const subject = subjectOfRequest(deps.prefix, 'schemas', schemaVersionRequest);
  return async (tenantId, pipelineId) => {
    try {
      const schema = await requestOverNats({ nc: deps.nc, subject, contract: schemaVersionRequest, payload: { tenant_id: tenantId, schema_id: pipelineId }, timeoutMs: deps.timeoutMs ?? 5_000 });
      return { status: schema.status };
    } catch (error) {
      if (error instanceof AppError && error.code === 'RESOURCE_NOT_FOUND') {
        throw new NotFoundError(`pipeline ${pipelineId} not found`, { details: { pipeline_id: pipelineId } });
      }
      throw error;
    }
  };
}
