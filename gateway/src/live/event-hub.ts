import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from 'nats';
import type { EventEnvelope } from '@conveyor/contracts';
import type { Logger } from '@conveyor/service-runtime';
import type { EventSelector, LiveEvent, LiveEventListener } from './live-event';

interface IndexTable {
  keyOf: EventSelector['keyOf'];
  byKey: Map<string, Set<LiveEventListener>>;
}

interface FilterFeed {
  indexes: Map<string, IndexTable>;
  /** Resolves once the feed knows where it starts, so callers can read the stream's end after it. */
  ready: Promise<void>;
  lastSeq: number;
  stop: () => void;
}

const decoder = new TextDecoder();

/**
 * One JetStream ordered consumer per subject filter, shared by every client watching it, fanned
 * out in process by key (`execution id`, `schema id`...). A thousand clients watching a thousand
 * executions cost one NATS consumer and one JSON parse per event, not a thousand.
 *
 * Invariant the feeds rely on: `listen` resolves after the shared consumer's start sequence is
 * fixed, so any event whose sequence is above the stream's last sequence read *after* `listen`
 * reaches the listener.
 */
export class EventHub {
  private readonly feeds = new Map<string, FilterFeed>();
  private closed = false;

  constructor(
    private readonly options: { js: JetStreamClient; jsm: JetStreamManager; stream: string; logger: Logger },
  ) {}

  /** Registers a listener; the returned function removes it. */
  async listen(selector: EventSelector, listener: LiveEventListener): Promise<() => void> {
    const feed = this.feedOf(selector.filter);
    let table = feed.indexes.get(selector.index);
    if (!table) {
      table = { keyOf: selector.keyOf, byKey: new Map() };
      feed.indexes.set(selector.index, table);
    }
    let listeners = table.byKey.get(selector.key);
    if (!listeners) {
      listeners = new Set();
      table.byKey.set(selector.key, listeners);
    }
    listeners.add(listener);
    const owner = table;
    const remove = () => {
      const set = owner.byKey.get(selector.key);
      if (!set) return;
      set.delete(listener);
      if (set.size === 0) owner.byKey.delete(selector.key);
    };
    try {
      await feed.ready;
    } catch (error) {
      remove();
      throw error;
    }
    return remove;
  }

  /** How many listeners are registered (for metrics and tests). */
  get listenerCount(): number {
    let count = 0;
    for (const feed of this.feeds.values()) for (const table of feed.indexes.values()) for (const set of table.byKey.values()) count += set.size;
    return count;
  }

  close(): void {
    this.closed = true;
    for (const feed of this.feeds.values()) feed.stop();
    this.feeds.clear();
  }

  private feedOf(filter: string): FilterFeed {
    const existing = this.feeds.get(filter);
    if (existing) return existing;
    let stopped = false;
    let stopConsumer: (() => void) | undefined;
    const feed: FilterFeed = {
      indexes: new Map(),
      lastSeq: 0,
      ready: Promise.resolve(),
      stop: () => {
        stopped = true;
        stopConsumer?.();
      },
    };
    feed.ready = (async () => {
      const info = await this.options.jsm.streams.info(this.options.stream);
      feed.lastSeq = info.state.last_seq;
    })();
    feed.ready.catch(() => this.feeds.delete(filter));
    this.feeds.set(filter, feed);

    void (async () => {
      await feed.ready.catch(() => undefined);
      let failures = 0;
      while (!stopped && !this.closed) {
        try {
          const consumer = await this.options.js.consumers.get(this.options.stream, {
            filterSubjects: filter,
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: feed.lastSeq + 1,
          });
          const messages = await consumer.consume();
          stopConsumer = () => void messages.close();
          if (stopped) break;
          for await (const message of messages) {
            failures = 0;
            feed.lastSeq = message.seq;
            this.dispatch(feed, { seq: message.seq, subject: message.subject, envelope: JSON.parse(decoder.decode(message.data)) as EventEnvelope });
          }
        } catch (error) {
          if (stopped || this.closed) break;
          failures += 1;
          this.options.logger.warn({ err: error, filter, failures }, 'live event feed failed; resuming');
          await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** failures, 5_000)));
        }
      }
    })();
    return feed;
  }

  private dispatch(feed: FilterFeed, event: LiveEvent): void {
    for (const table of feed.indexes.values()) {
      const key = table.keyOf(event.envelope);
      if (key === undefined) continue;
      const listeners = table.byKey.get(key);
      if (!listeners) continue;
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          this.options.logger.error({ err: error }, 'live event listener failed');
        }
      }
    }
  }
}
