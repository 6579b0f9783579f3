import { randomUUID } from 'node:crypto';

/** The part of a NATS connection the counter needs. */
export interface CounterTransport {
  publish(subject: string, data: Uint8Array): void;
  subscribe(subject: string, options: { callback: (error: unknown, msg: { data: Uint8Array }) => void }): { unsubscribe(): void };
}

interface PeerReport {
  instance: string;
  window: number;
  counts: Record<string, number>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Fixed-window request counts shared by every gateway replica without a store round trip per
 * request: each replica counts locally and publishes its counts for the current window on a
 * core NATS subject every `publishEveryMs`; each replica adds its peers' latest counts to its
 * own. A request costs a map increment; the price is that replicas see each other's traffic up
 * to `publishEveryMs` late, so a user spreading a burst over N replicas can exceed the limit by
 * at most what N-1 replicas accept in that interval.
 */
export function createSharedWindowCounter(options: { transport: CounterTransport; subject: string; windowMs: number; publishEveryMs?: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  const instance = randomUUID();
  let window = Math.floor(now() / options.windowMs);
  let local = new Map<string, number>();
  let dirty = false;
  const peers = new Map<string, PeerReport>();

  const roll = () => {
    const current = Math.floor(now() / options.windowMs);
    if (current !== window) {
      window = current;
      local = new Map();
      dirty = false;
    }
  };

  const subscription = options.transport.subscribe(options.subject, {
    callback: (error, msg) => {
      if (error) return;
      try {
        const report = JSON.parse(decoder.decode(msg.data)) as PeerReport;
        if (report.instance !== instance && typeof report.window === 'number' && report.counts && typeof report.counts === 'object') {
          peers.set(report.instance, report);
        }
      } catch {
        // not a counter report
      }
    },
  });

  const publish = () => {
    roll();
    if (!dirty) return;
    dirty = false;
    options.transport.publish(options.subject, encoder.encode(JSON.stringify({ instance, window, counts: Object.fromEntries(local) })));
  };
  const timer = setInterval(publish, options.publishEveryMs ?? 200);
  timer.unref();

  return {
    /** Counts one request for `key`; answers the total across replicas in this window and when it ends. */
    hit(key: string): { total: number; resetsInMs: number } {
      roll();
      const mine = (local.get(key) ?? 0) + 1;
      local.set(key, mine);
      dirty = true;
      let total = mine;
      for (const [id, report] of peers) {
        if (report.window === window) total += report.counts[key] ?? 0;
        else if (report.window < window) peers.delete(id);
      }
      return { total, resetsInMs: (window + 1) * options.windowMs - now() };
    },
    /** The total for `key` in this window across replicas, without counting a request. */
    total(key: string): number {
      roll();
      let total = local.get(key) ?? 0;
      for (const report of peers.values()) if (report.window === window) total += report.counts[key] ?? 0;
      return total;
    },
    /** Publishes the last counts and stops. */
    close(): void {
      publish();
      clearInterval(timer);
      subscription.unsubscribe();
    },
  };
}

export type SharedWindowCounter = ReturnType<typeof createSharedWindowCounter>;
