import type { JetStreamClient, JetStreamManager } from 'nats';
import { AsyncQueue } from './async-queue';
import type { EventHub } from './event-hub';
import type { EventSelector, LiveEvent } from './live-event';
import { replayEvents } from './replay-events';

/** What a feed yields: the first message (current state at a stream sequence), then events. */
export type FeedItem<S> =
  | { kind: 'snapshot'; seq: number; value: S }
  | { kind: 'event'; event: LiveEvent }
  | { kind: 'error'; error: unknown };

export interface FeedDeps {
  hub: EventHub;
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
}

export interface FeedOptions<S> {
  selectors: EventSelector[];
  /** Only events of this tenant pass; an event of another tenant is never seen by the client. */
  tenantId: string;
  /** Resume point: the last stream sequence the client received. */
  after?: number;
  /** The current state, fetched with the caller's token; without it a fresh feed starts with events. */
  snapshot?: () => Promise<S>;
}

/**
 * One client's ordered view of the stream. Without `after`: the snapshot, then every event above
 * the stream sequence read *before* the snapshot query. With `after`: every retained event above
 * it (replayed from JetStream), then live ones; if the stream no longer holds `after + 1`
 * (expired), the client gets a snapshot instead of a silent gap.
 *
 * Ordering: live events are buffered from the moment the listener is registered until the
 * snapshot or replay is done, then released above the last sequence sent, so nothing is lost at
 * the seam and nothing is sent twice.
 */
export function openFeed<S>(deps: FeedDeps, options: FeedOptions<S>): AsyncQueue<FeedItem<S>> {
  const removers: Array<() => void> = [];
  const queue = new AsyncQueue<FeedItem<S>>(() => {
    closed = true;
    for (const remove of removers) remove();
  });
  let closed = false;
  let buffer: LiveEvent[] | null = [];
  let lastSeq = 0;

  const onEvent = (event: LiveEvent) => {
    if (event.envelope.tenant_id !== options.tenantId) return;
    if (buffer) {
      buffer.push(event);
      return;
    }
    if (event.seq <= lastSeq) return;
    lastSeq = event.seq;
    queue.push({ kind: 'event', event });
  };

  void (async () => {
    try {
      for (const selector of options.selectors) {
        const remove = await deps.hub.listen(selector, onEvent);
        if (closed) return remove();
        removers.push(remove);
      }
      const { state } = await deps.jsm.streams.info(deps.stream);
      const until = state.last_seq;
      const resumable = options.after !== undefined && options.after >= state.first_seq - 1 && options.after <= until;
      if (resumable) {
        const replayed: LiveEvent[] = [];
        for (const selector of options.selectors) replayed.push(...(await replayEvents(deps.js, deps.stream, selector, options.after!, until)));
        replayed.sort((a, b) => a.seq - b.seq);
        for (const event of replayed) if (event.envelope.tenant_id === options.tenantId) queue.push({ kind: 'event', event });
        lastSeq = until;
      } else if (options.snapshot) {
        const value = await options.snapshot();
        if (closed) return;
        queue.push({ kind: 'snapshot', seq: until, value });
        lastSeq = until;
      } else {
        lastSeq = until;
      }
      const pending = (buffer ?? []).sort((a, b) => a.seq - b.seq);
      buffer = null;
      for (const event of pending) onEvent(event);
    } catch (error) {
      queue.push({ kind: 'error', error });
      queue.end();
    }
  })();
  return queue;
}
