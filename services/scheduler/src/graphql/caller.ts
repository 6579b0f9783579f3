import type { RequestContext } from '@conveyor/service-runtime';

export interface Caller {
  tenantId: string;
  userId: string | null;
}

/** Who is asking. TEMPORARY until `@conveyor/identity` lands: one default tenant. */
export function callerOf(_context: RequestContext, _write: boolean): Caller {
  return { tenantId: 'default', userId: null };
}
