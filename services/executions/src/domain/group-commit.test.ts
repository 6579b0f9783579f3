import { describe, expect, it } from 'vitest';
import { createGroupCommitter } from './group-commit';

interface Item {
  key: string;
  value: number;
}

/** A commit function that records each batch and lets the test decide when it finishes. */
function recordingCommit(fail?: (items: Item[]) => unknown) {
  const batches: Item[][] = [];
  const pending: Array<() => void> = [];
  return {
    batches,
    /** Finishes the oldest batch in flight. */
    release: () => pending.shift()?.(),
    commit: (items: Item[]) => {
      batches.push(items);
      return new Promise<number[]>((resolve, reject) => {
        pending.push(() => {
          const error = fail?.(items);
          if (error) reject(error);
          else resolve(items.map((i) => i.value * 10));
        });
      });
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('commits a lone item at once and gathers what arrives during the commit into the next one', async () => {
    const db = recordingCommit();
    const committer = createGroupCommitter({ commit: db.commit, key: (i: Item) => i.key, maxBatch: 10, maxInFlight: 1 });
    const first = committer.submit({ key: 'a', value: 1 });
    await tick();
    expect(db.batches).toEqual([[{ key: 'a', value: 1 }]]);
    const later = [committer.submit({ key: 'b', value: 2 }), committer.submit({ key: 'c', value: 3 })];
    await tick();
    expect(db.batches).toHaveLength(1);
    db.release();
    expect(await first).toBe(10);
    await tick();
    expect(db.batches[1]).toEqual([{ key: 'b', value: 2 }, { key: 'c', value: 3 }]);
    db.release();
    expect(await Promise.all(later)).toEqual([20, 30]);
  });

  it('never puts two items of one key in the same batch, nor in two batches at once, and keeps their order', async () => {
    const db = recordingCommit();
    const committer = createGroupCommitter({ commit: db.commit, key: (i: Item) => i.key, maxBatch: 10, maxInFlight: 2 });
    const results = [
      committer.submit({ key: 'a', value: 1 }),
      committer.submit({ key: 'a', value: 2 }),
      committer.submit({ key: 'b', value: 3 }),
    ];
    await tick();
    // 'a' is in flight: its second item waits although a second batch could start.
    expect(db.batches).toEqual([[{ key: 'a', value: 1 }], [{ key: 'b', value: 3 }]]);
    db.release();
    await tick();
    expect(db.batches[2]).toEqual([{ key: 'a', value: 2 }]);
    db.release();
    db.release();
    expect(await Promise.all(results)).toEqual([10, 20, 30]);
  });

  it('splits a failing batch so that only the bad item fails, and retries a deadlock', async () => {
    let deadlocks = 1;
    const db = recordingCommit((items) => {
      if (items.length > 1 && deadlocks-- > 0) return Object.assign(new Error('deadlock detected'), { code: '40P01' });
      if (items.some((i) => i.value === 13)) return new Error('bad item');
      return undefined;
    });
    const committer = createGroupCommitter({ commit: db.commit, key: (i: Item) => i.key, maxBatch: 10, maxInFlight: 1 });
    const blocker = committer.submit({ key: 'x', value: 0 });
    await tick();
    const good = committer.submit({ key: 'a', value: 1 });
    const bad = committer.submit({ key: 'b', value: 13 });
    const badOutcome = bad.then(() => 'committed', (error: Error) => error.message);
    db.release();
    await blocker;
    // deadlock → the same batch again → it fails → each item alone
    for (let i = 0; i < 4; i += 1) {
      await tick();
      db.release();
    }
    expect(await good).toBe(10);
    expect(await badOutcome).toBe('bad item');
    expect(db.batches.map((b) => b.map((i) => i.value))).toEqual([[0], [1, 13], [1, 13], [1], [13]]);
  });
});
