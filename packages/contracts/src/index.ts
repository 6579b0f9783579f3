export { eventSubject, isValidPrefix, requestSubject, serviceNames, type ServiceName } from './subjects';
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
  type StepReadyMessage,
  type StepStatus,
} from './executions';
