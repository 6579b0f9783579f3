import { serviceNames } from './subjects';

/** A JetStream stream the platform needs, declared once and created by the migrate command. */
export interface StreamDefinition {
  name: string;
  subjects: string[];
  /** How long JetStream remembers a `Nats-Msg-Id`; a re-published outbox row inside it is dropped. */
  duplicateWindowMs: number;
  maxAgeMs: number;
}

const day = 24 * 60 * 60 * 1000;

/** Stream names derive from the prefix so that every test run owns its streams. */
export function streamName(prefix: string, kind: 'EVENTS' | 'STEPS' | 'TASKS'): string {
  return `${prefix.replace(/[^a-zA-Z0-9]/g, '_').toUpperCase()}_${kind}`;
}

export function platformStreams(prefix: string): StreamDefinition[] {
  return [
    {
      name: streamName(prefix, 'EVENTS'),
      // One subject per service rather than `<prefix>.*.*.*`, so that the TASKS stream may own
      // `<prefix>.tasks.>` (a task type may contain dots) without the two streams overlapping.
      subjects: serviceNames.map((service) => `${prefix}.${service}.*.*`),
      duplicateWindowMs: 10 * 60 * 1000,
      maxAgeMs: 7 * day,
    },
    // Ready steps of the execution engine (one subject, see `stepReadySubject`); each dispatch
    // has its own id, used as `Nats-Msg-Id`, so a re-published outbox row inside the window is dropped.
    {
      name: streamName(prefix, 'STEPS'),
      subjects: [`${prefix}.executions.queue.step.ready`],
      duplicateWindowMs: 10 * 60 * 1000,
      maxAgeMs: 7 * day,
    },
    // Tasks that fell due (`taskSubject`: `<prefix>.tasks.<task_type>`), consumed by handlers in
    // any language. The id `<task id>:<attempt>` is the `Nats-Msg-Id`: a dispatch re-published
    // after a crash inside the window is dropped. Limits retention, so monitors may read too.
    {
      name: streamName(prefix, 'TASKS'),
      subjects: [`${prefix}.tasks.>`],
      duplicateWindowMs: 10 * 60 * 1000,
      maxAgeMs: 1 * day,
    },
  ];
}
