export { eventSubject, isValidPrefix, requestSubject, serviceNames, type ServiceName } from './subjects';
export { gatewayRateLimitSubject, jwksRequest, publicJwkSchema, roles, userUpdatedEvent, type PublicJwk, type Role } from './auth';
export { platformStreams, streamName, type StreamDefinition } from './streams';
export {
  defineEvent,
  eventEnvelopeSchema,
  instanceStartedEvents,
  subjectOfEvent,
  type EventContract,
  type EventEnvelope,
} from './events';
export {
  defineRequest,
  errorHeaders,
  serviceStatusRequest,
  serviceStatusSchema,
  subjectOfRequest,
  type RequestContract,
  type ServiceStatus,
} from './requests';
export {
  executionAbortSubject,
  executionFinishedSubject,
  executionSchema,
  executionStartRequest,
  executionStatuses,
  executionTriggers,
  executionUpdatedEvent,
  logAppendedEvent,
  stepReadyMessage,
  stepReadySubject,
  stepStatuses,
  stepUpdatedEvent,
  type ExecutionJson,
  type ExecutionStatus,
  type ExecutionTrigger,
  type StepReadyMessage,
  type StepStatus,
} from './executions';
export {
  builtInTaskTypes,
  taskDispatchMessage,
  taskJsonSchema,
  taskLimits,
  taskReportRequest,
  taskStatuses,
  taskSubject,
  taskTypePattern,
  taskUpdatedEvent,
  timerCancelRequest,
  timerFiredMessage,
  timerFiredSubject,
  timerSetRequest,
  triggerCreatedEvent,
  triggerDeletedEvent,
  triggerFiredEvent,
  triggerStatuses,
  triggerUpdatedEvent,
  type TaskDispatchMessage,
  type TaskStatus,
  type TimerFiredMessage,
} from './scheduler';
export { nodeCategories, nodeDescriptorSchema, nodeTypesRequest, type NodeDescriptorJson } from './node-types';
export {
  schemaCreatedEvent,
  schemaDeletedEvent,
  schemaEdgeSchema,
  schemaNodeSchema,
  schemaPurgedEvent,
  schemaRestoredEvent,
  schemaStatuses,
  schemaUpdatedEvent,
  schemaVersionRequest,
  type SchemaEdgeJson,
  type SchemaNodeJson,
  type SchemaStatus,
} from './schemas';
export { jsonNestingLimit, nestsDeeperThan, unstorableStrings, unstorableText } from './storable-values';
