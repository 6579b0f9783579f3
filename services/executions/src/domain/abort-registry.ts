/**
 * The stop signals of the executors running in this process, by execution. A stop reaches every
 * replica (core NATS, no queue group); each aborts what it runs for that execution.
 */
export class AbortRegistry {
  readonly #running = new Map<string, Set<AbortController>>();

  /** A controller for one executor run (aborted on stop); call `release` when the run is over. */
  acquire(executionId: string): { controller: AbortController; release: () => void } {
    const controller = new AbortController();
    const set = this.#running.get(executionId) ?? new Set();
    set.add(controller);
    this.#running.set(executionId, set);
    return {
      controller,
      release: () => {
        set.delete(controller);
        if (set.size === 0 && this.#running.get(executionId) === set) this.#running.delete(executionId);
      },
    };
  }

  abort(executionId: string): number {
    const set = this.#running.get(executionId);
    if (!set) return 0;
    for (const controller of set) controller.abort(new Error('execution stopped'));
    return set.size;
  }

  get size(): number {
    return this.#running.size;
  }
}
