import {
  executionUpdatedEvent,
  logAppendedEvent,
  stepUpdatedEvent,
  subjectOfEvent,
  taskUpdatedEvent,
  triggerUpdatedEvent,
  type EventContract,
  type EventEnvelope,
} from '@conveyor/contracts';
import { z } from 'zod';

/** How the first message (the current state) and the tenancy check of a subscription are made. */
export interface EntityQuery {
  /** The Query field that returns the watched entity, e.g. `execution`. */
  field: string;
  /** Its key argument, e.g. `id`. */
  argument: string;
}

/** One subscription field of the supergraph and the events that feed it. */
export interface LiveField {
  name: string;
  /** The field's key argument (`id`, `executionId`, `schemaId`). */
  argument: string;
  contract: EventContract<z.ZodType>;
  /** Names `keyOf` so listeners of the same key share the hub's lookup table. */
  index: string;
  keyOf: (envelope: EventEnvelope) => string | undefined;
  /** Runs the subscription's selection set as this query for the first message; absent: no first message. */
  snapshot?: EntityQuery;
  /** Asked before anything is sent, with the caller's token: refuses a foreign tenant's entity. */
  authorize?: EntityQuery;
  /** Resolves a field the event does not carry, for one event (by the event's entity id). */
  refetch?: EntityQuery;
}

const entityId = (envelope: EventEnvelope) => envelope.entity.id;
const dataKey = (name: string) => (envelope: EventEnvelope) => {
  const value = envelope.data[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
};

const executionQuery: EntityQuery = { field: 'execution', argument: 'id' };
const taskQuery: EntityQuery = { field: 'task', argument: 'id' };
const triggerQuery: EntityQuery = { field: 'trigger', argument: 'id' };

/**
 * The subscription fields. Steps and logs are append-mostly streams: they have no first message
 * (the `steps`/`logs` of `execution(id)` are the history) and are answered from the event alone,
 * because no Query field returns one step or log by id.
 */
export const liveFields: LiveField[] = [
  {
    name: 'executionUpdated',
    argument: 'id',
    contract: executionUpdatedEvent,
    index: 'entity.id',
    keyOf: entityId,
    snapshot: executionQuery,
    authorize: executionQuery,
    refetch: executionQuery,
  },
  {
    name: 'executionsUpdated',
    argument: 'schemaId',
    contract: executionUpdatedEvent,
    index: 'data.schema_id',
    keyOf: dataKey('schema_id'),
    refetch: executionQuery,
  },
  {
    name: 'executionStepUpdated',
    argument: 'executionId',
    contract: stepUpdatedEvent,
    index: 'data.execution_id',
    keyOf: dataKey('execution_id'),
    authorize: executionQuery,
  },
  {
    name: 'executionLogAppended',
    argument: 'executionId',
    contract: logAppendedEvent,
    index: 'data.execution_id',
    keyOf: dataKey('execution_id'),
    authorize: executionQuery,
  },
  {
    name: 'taskUpdated',
    argument: 'id',
    contract: taskUpdatedEvent,
    index: 'entity.id',
    keyOf: entityId,
    snapshot: taskQuery,
    authorize: taskQuery,
    refetch: taskQuery,
  },
  {
    name: 'triggerUpdated',
    argument: 'id',
    contract: triggerUpdatedEvent,
    index: 'entity.id',
    keyOf: entityId,
    snapshot: triggerQuery,
    authorize: triggerQuery,
    refetch: triggerQuery,
  },
];

export const liveFieldsByName = new Map(liveFields.map((field) => [field.name, field]));

export const filterOf = (prefix: string, field: LiveField) => subjectOfEvent(prefix, field.contract);

/** The GraphQL field names an event of `field` carries: `__typename`, `id` and its data in camelCase. */
export function eventFieldNames(field: LiveField): Set<string> {
  const shape = field.contract.data instanceof z.ZodObject ? Object.keys(field.contract.data.shape) : [];
  return new Set(['__typename', 'id', ...shape.map((name) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()))]);
}
