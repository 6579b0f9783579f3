import type { SchemaEdgeJson, SchemaNodeJson, SchemaStatus } from '@conveyor/contracts';
import { ValidationError } from '@conveyor/errors';
import type { z } from 'zod';
import { schemaDescriptionShape, schemaNameShape, schemaStatusShape, type DefinitionLimits } from './definition-shape';
import { validateDefinition, type NodeTypeSource, type SubflowTargets } from './validate-definition';

export interface SchemaFieldsInput {
  name?: unknown;
  description?: unknown;
  status?: unknown;
  nodes?: unknown;
  edges?: unknown;
}

export interface ValidSchemaFields {
  name?: string;
  description?: string;
  status?: SchemaStatus;
  definition?: { nodes: SchemaNodeJson[]; edges: SchemaEdgeJson[] };
}

function check<T>(shape: z.ZodType<T>, value: unknown, path: string, issues: Array<{ path: string; message: string }>): T | undefined {
  if (value === undefined) return undefined;
  const parsed = shape.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) issues.push({ path, message: issue.message });
  return undefined;
}

/**
 * Validates the given fields of a schema and, when nodes or edges are given, the whole definition
 * (`current` supplies the part not given). Throws one VALIDATION_ERROR listing every problem.
 */
export async function validateSchemaInput(
  input: SchemaFieldsInput,
  current: { nodes: unknown; edges: unknown } | null,
  deps: { limits: DefinitionLimits; nodeTypes: NodeTypeSource; subflowTargets?: SubflowTargets },
): Promise<ValidSchemaFields> {
  const issues: Array<{ path: string; message: string }> = [];
  const result: ValidSchemaFields = {
    name: check(schemaNameShape, input.name, '/name', issues),
    description: check(schemaDescriptionShape, input.description, '/description', issues),
    status: check(schemaStatusShape, input.status, '/status', issues),
  };
  if (input.nodes !== undefined || input.edges !== undefined) {
    try {
      result.definition = await validateDefinition({ nodes: input.nodes ?? current?.nodes, edges: input.edges ?? current?.edges }, deps);
    } catch (error) {
      if (!(error instanceof ValidationError) || issues.length === 0) throw error;
      const more = (error.details as { issues: Array<{ path: string; message: string }> }).issues;
      issues.push(...more);
    }
  }
  if (issues.length > 0) {
    throw new ValidationError(`The schema is invalid: ${issues[0]!.path} ${issues[0]!.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, {
      details: { issues },
    });
  }
  return result;
}
