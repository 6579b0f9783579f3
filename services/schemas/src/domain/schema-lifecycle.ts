import type { SchemaStatus } from '@conveyor/contracts';
import { ConflictError } from '@conveyor/errors';

/**
 * draft → active → archived, and back to draft from either. Archiving a draft is refused: a
 * schema that never ran has nothing to archive; delete it instead.
 */
const allowed: Record<SchemaStatus, readonly SchemaStatus[]> = {
  draft: ['active'],
  active: ['archived', 'draft'],
  archived: ['draft'],
};

export function assertTransition(from: SchemaStatus, to: SchemaStatus): void {
  if (from === to || allowed[from].includes(to)) return;
  throw new ConflictError(`A ${from} schema cannot become ${to}`, { details: { from, to, allowed: allowed[from] } });
}
