import {
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { AppError } from '@conveyor/errors';
import type { EventEnvelope } from '@conveyor/contracts';
import { graphqlJs } from './graphql-js';
import { liveFieldsByName, type EntityQuery, type LiveField } from './live-fields';

/** A validated subscription operation on one live field. */
export interface LiveOperation {
  operation: OperationDefinitionNode;
  rootField: FieldNode;
  field: LiveField;
  /** The watched key (the field's key argument). */
  key: string;
  /** The resume point, when the client sent `after`. */
  after: number | undefined;
  /** Event-object fields the selection needs; `null` when it selects nested objects. */
  eventFields: Set<string> | null;
}

const badInput = (message: string) => new AppError('BAD_USER_INPUT', message);

/** Reads the operation's one root field, its key and resume point, after graphql-js validation. */
export function readLiveOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): LiveOperation {
  const operation = graphqlJs.getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'subscription') throw badInput('Not a subscription operation');
  const [rootField, ...rest] = operation.selectionSet.selections;
  if (!rootField || rest.length > 0 || rootField.kind !== Kind.FIELD) throw badInput('A subscription selects exactly one field, without fragments at its root');
  const field = liveFieldsByName.get(rootField.name.value);
  const fieldDef = schema.getSubscriptionType()?.getFields()[rootField.name.value];
  if (!field || !fieldDef) throw badInput(`No live field ${rootField.name.value}`);
  const args = graphqlJs.getArgumentValues(fieldDef, rootField, variables ?? {});
  const key = String(args[field.argument]);
  const afterArg = args.after as string | null | undefined;
  if (afterArg != null && !/^\d{1,15}$/.test(afterArg)) throw badInput('after must be a stream sequence: a decimal number');
  return {
    operation,
    rootField,
    field,
    key,
    after: afterArg == null ? undefined : Number(afterArg),
    eventFields: requiredFields(rootField.selectionSet, fragmentsOf(document)),
  };
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  return fragments;
}

/** The field names a selection reads, through fragments; `null` when a field has a sub-selection. */
function requiredFields(selectionSet: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, into = new Set<string>(), seen = new Set<string>()): Set<string> | null {
  if (!selectionSet) return into;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.selectionSet) return null;
      into.add(selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!requiredFields(selection.selectionSet, fragments, into, seen)) return null;
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment && !requiredFields(fragment.selectionSet, fragments, into, seen)) return null;
    }
  }
  return into;
}

const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The entity as the event carries it, under GraphQL field names: `__typename` and `id` from the
 * envelope's entity, each data field in camelCase (`current_step` → `currentStep`).
 */
export function eventObjectOf(envelope: EventEnvelope): Record<string, unknown> {
  const object: Record<string, unknown> = { __typename: envelope.entity.typename };
  for (const [name, value] of Object.entries(envelope.data)) object[camelCase(name)] = value;
  object.id = envelope.entity.id;
  return object;
}

/** Whether every field the selection needs is in the event object. */
export function answersFromEvent(live: LiveOperation, object: Record<string, unknown>): boolean {
  if (!live.eventFields) return false;
  for (const name of live.eventFields) if (name !== '__typename' && !(name in object)) return false;
  return true;
}

/**
 * The subscription's selection set as a query on `query.field(query.argument: key)`, under the
 * subscription field's response key, with the operation's fragments and the variables still used.
 * Its `data` therefore has exactly the shape of a subscription message.
 */
export function entityQueryOf(document: DocumentNode, live: LiveOperation, query: EntityQuery, selection: 'same' | 'typename' = 'same'): string {
  const responseKey = live.rootField.alias?.value ?? live.rootField.name.value;
  const field: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: responseKey },
    name: { kind: Kind.NAME, value: query.field },
    arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: query.argument }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'liveKey' } } }],
    directives: [],
    selectionSet:
      selection === 'same' ? live.rootField.selectionSet : { kind: Kind.SELECTION_SET, selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }] },
  };
  const used = new Set<string>();
  const fragments = selection === 'same' ? [...fragmentsOf(document).values()] : [];
  const body = { kind: Kind.DOCUMENT, definitions: [{ ...live.operation, variableDefinitions: [], selectionSet: { kind: Kind.SELECTION_SET, selections: [field] } }, ...fragments] } as DocumentNode;
  graphqlJs.visit(body, { Variable: (node) => void used.add(node.name.value) });
  const operation: OperationDefinitionNode = {
    ...live.operation,
    operation: 'query' as OperationDefinitionNode['operation'],
    name: undefined,
    variableDefinitions: [
      ...(live.operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value) && definition.variable.name.value !== 'liveKey'),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'liveKey' } },
        type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
      },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
  };
  return graphqlJs.print({ kind: Kind.DOCUMENT, definitions: [operation, ...fragments] });
}
