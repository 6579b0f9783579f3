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
