/**
 * The in-memory side of millisecond precision: a min-heap of due times (epoch ms) inside the
 * look-ahead window and one `setTimeout` armed for the earliest. The database stays the truth;
 * this only says *when* to ask it. Timers fire at most `maxTimers` distinct instants apart from
 * what the polling backstop finds, so memory stays bounded whatever the backlog.
 *
 * A full hashed timer wheel buys O(1) insert for millions of timers; with at most a few thousand
 * distinct instants per look-ahead window a heap costs the same and needs no tick thread.
 */
export interface DueTimer {
  /**
   * Remembers a due time and what is due then (`kinds`, a bit mask of the caller's choosing, 1
   * unless given); fires `onDue` at it (at once if it has passed) with the kinds of every instant
   * that fell due together.
   */
  add(dueMs: number, kinds?: number): void;
  /**
   * Forgets `kinds` at an instant (done ahead of time); it still fires for its other kinds, and
   * for these again if they are added anew.
   */
  remove(dueMs: number, kinds: number): void;
  /** How many distinct instants are waiting. */
  size(): number;
  stop(): void;
}

export function createDueTimer(options: { onDue: (kinds: number) => void; maxTimers?: number; now?: () => number }): DueTimer {
  const maxTimers = options.maxTimers ?? 100_000;
  const now = options.now ?? Date.now;
  const heap: number[] = [];
  /** Each waiting instant and its kinds. */
  const known = new Map<number, number>();
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Number.POSITIVE_INFINITY;
  let stopped = false;

  function push(value: number) {
    heap.push(value);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= heap[i]!) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  function pop(): number | undefined {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < heap.length && heap[l]! < heap[smallest]!) smallest = l;
        if (r < heap.length && heap[r]! < heap[smallest]!) smallest = r;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
        i = smallest;
      }
    }
    return top;
  }

  function fire() {
    timer = undefined;
    armedFor = Number.POSITIVE_INFINITY;
    const current = now();
    let kinds = 0;
    while (heap.length > 0 && heap[0]! <= current) {
      const instant = pop()!;
      kinds |= known.get(instant)!;
      known.delete(instant);
    }
    if (kinds !== 0) options.onDue(kinds);
    arm();
  }

  function arm() {
    if (stopped || heap.length === 0) return;
    const next = heap[0]!;
    if (next >= armedFor) return;
    if (timer) clearTimeout(timer);
    armedFor = next;
    // setTimeout never fires early in Node, and its resolution is 1 ms.
    timer = setTimeout(fire, Math.max(0, next - now()));
  }

  return {
    add(dueMs, kinds = 1) {
      if (stopped) return;
      const already = known.get(dueMs);
      if (already !== undefined) {
        known.set(dueMs, already | kinds);
        return;
      }
      if (known.size >= maxTimers && dueMs > heap[0]!) return;
      known.set(dueMs, kinds);
      push(dueMs);
      arm();
    },
    remove(dueMs, kinds) {
      const current = known.get(dueMs);
      // The instant stays in the heap with what is left (possibly nothing, then it fires silently).
      if (current !== undefined) known.set(dueMs, current & ~kinds);
    },
    size: () => known.size,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
