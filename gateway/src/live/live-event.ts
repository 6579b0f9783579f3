import type { EventEnvelope } from '@conveyor/contracts';

/** One event of the EVENTS stream as live status sees it: its stream sequence and its envelope. */
export interface LiveEvent {
  /** The JetStream stream sequence: totally ordered within the stream, the resume point of clients. */
  seq: number;
  subject: string;
  envelope: EventEnvelope;
}

/**
 * What a client watches: events on `filter` (a subject, wildcards allowed) whose `keyOf` is `key`.
 * `index` names `keyOf`, so listeners that extract the same key share one lookup table.
 */
export interface EventSelector {
  filter: string;
  index: string;
  keyOf: (envelope: EventEnvelope) => string | undefined;
  key: string;
}

export type LiveEventListener = (event: LiveEvent) => void;
