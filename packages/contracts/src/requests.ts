import { z } from 'zod';
import { requestSubject, type ServiceName } from './subjects';

/** A request/reply operation: the subject's verb and both message schemas, validated on both ends. */
export interface RequestContract<Req extends z.ZodType, Res extends z.ZodType> {
  verb: string;
  request: Req;
  response: Res;
}

export function defineRequest<Req extends z.ZodType, Res extends z.ZodType>(
  contract: RequestContract<Req, Res>,
): RequestContract<Req, Res> {
  return contract;
}

export function subjectOfRequest(prefix: string, service: ServiceName, contract: RequestContract<z.ZodType, z.ZodType>): string {
  return requestSubject(prefix, service, contract.verb);
}

/** Headers that carry an error across request/reply; the caller rebuilds it from the registry. */
export const errorHeaders = { code: 'Conveyor-Error-Code', message: 'Conveyor-Error-Message' } as const;

export const serviceStatusSchema = z.object({
  service: z.string(),
  version: z.string(),
  instance_id: z.string(),
  migrations_applied: z.number().int().nonnegative(),
  outbox_pending: z.number().int().nonnegative(),
  database_latency_ms: z.number().nonnegative(),
  checked_at: z.iso.datetime(),
});

export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

/** `<prefix>.<service>.status`: every service answers with the status read from its own database. */
export const serviceStatusRequest = defineRequest({
  verb: 'status',
  request: z.object({}).strict(),
  response: serviceStatusSchema,
});
