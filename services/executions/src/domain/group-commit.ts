/**
 * Group commit: items submitted while a commit is in flight are gathered and committed together
 * by the next one, each waiter getting its own result. A lone item is committed at once (no
 * timer, no artificial delay); under load, batches grow by themselves to what arrived during
 * one round trip. Items with the same `key` (the same execution) never share a batch nor run in
 * two batches at once, so one statement touches each key once and a key's items commit in the
 * order they were submitted.
 *
 * A batch that fails on a transient conflict (deadlock, serialization failure) is retried
 * whole: it was one statement, so nothing of it was written. A batch that fails otherwise is
 * split and each item committed alone, so one bad item fails only its own waiter.
 */
export interface GroupCommitter<Item, Result> {
  submit(item: Item): Promise<Result>;
}

export interface GroupCommitOptions<Item, Result> {
  /** Commits the items in one statement; returns one result per item, in order. */
  commit(items: Item[]): Promise<Result[]>;
  /** Items with the same key are committed one batch after another, never in the same one. */
  key(item: Item): string;
  /** Most items per statement. */
  maxBatch: number;
  /** Batches in flight at once (each holds a pool connection while it runs). */
  maxInFlight: number;
}

interface Waiter<Item, Result> {
  item: Item;
  key: string;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

/** PostgreSQL aborted the statement to resolve a conflict; running it again is correct. */
function isTransientConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

const maxConflictRetries = 5;

export function createGroupCommitter<Item, Result>(options: GroupCommitOptions<Item, Result>): GroupCommitter<Item, Result> {
  let queue: Array<Waiter<Item, Result>> = [];
  const busyKeys = new Set<string>();
  let inFlight = 0;

  async function commitWithRetry(items: Item[]): Promise<Result[]> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await options.commit(items);
      } catch (error) {
        if (!isTransientConflict(error) || attempt >= maxConflictRetries) throw error;
      }
    }
  }

  async function run(batch: Array<Waiter<Item, Result>>): Promise<void> {
    try {
      const results = await commitWithRetry(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
      } else {
        for (const waiter of batch) {
          try {
            waiter.resolve((await commitWithRetry([waiter.item]))[0]!);
          } catch (alone) {
            waiter.reject(alone);
          }
        }
      }
    } finally {
      for (const waiter of batch) busyKeys.delete(waiter.key);
      inFlight -= 1;
      pump();
    }
  }

  function pump(): void {
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const batch: Array<Waiter<Item, Result>> = [];
      const rest: Array<Waiter<Item, Result>> = [];
      for (const waiter of queue) {
        if (batch.length < options.maxBatch && !busyKeys.has(waiter.key)) {
          busyKeys.add(waiter.key);
          batch.push(waiter);
        } else {
          rest.push(waiter);
        }
      }
      queue = rest;
      if (batch.length === 0) return;
      inFlight += 1;
      void run(batch);
    }
  }

  return {
    submit(item) {
      return new Promise<Result>((resolve, reject) => {
        queue.push({ item, key: options.key(item), resolve, reject });
        pump();
      });
    },
  };
}
