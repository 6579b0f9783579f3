import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDueTimer } from './due-timer';

describe('createDueTimer', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('fires at each distinct due time, earliest first, never early', () => {
    const fired: number[] = [];
    const timer = createDueTimer({ onDue: () => fired.push(Date.now()) });
    timer.add(1_000_050);
    timer.add(1_000_020);
    timer.add(1_000_020);
    expect(timer.size()).toBe(2);
    vi.advanceTimersByTime(19);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([1_000_020]);
    vi.advanceTimersByTime(30);
    expect(fired).toEqual([1_000_020, 1_000_050]);
    expect(timer.size()).toBe(0);
  });

  it('fires at once for a time that has passed, and re-arms for an earlier time added later', () => {
    const fired: number[] = [];
    const timer = createDueTimer({ onDue: () => fired.push(Date.now()) });
    timer.add(1_000_500);
    timer.add(1_000_100);
    timer.add(999_000);
    vi.advanceTimersByTime(0);
    expect(fired).toEqual([1_000_000]);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([1_000_000, 1_000_100]);
  });

  it('fires with the kinds of every instant that fell due together', () => {
    const fired: number[] = [];
    // The clock the timer reads can run ahead of its setTimeout (a busy event loop fires late).
    let lag = 0;
    const timer = createDueTimer({ onDue: (kinds) => fired.push(kinds), now: () => Date.now() + lag });
    timer.add(1_000_010, 1);
    timer.add(1_000_010, 4);
    timer.add(1_000_020, 2);
    timer.add(1_000_030);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([5]);
    // The 1_000_020 timer fires when the clock already reads 1_000_040: one call, both kinds.
    lag = 20;
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([5, 3]);
    expect(timer.size()).toBe(0);
  });

  it('forgets removed kinds at an instant, and fires for them again when added anew', () => {
    const fired: number[] = [];
    const timer = createDueTimer({ onDue: (kinds) => fired.push(kinds) });
    timer.add(1_000_010, 1 | 4);
    timer.add(1_000_020, 1);
    timer.remove(1_000_010, 1);
    timer.remove(1_000_020, 1);
    timer.remove(1_000_030, 1);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([4]);
    // An instant left with no kinds fires silently.
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([4]);
    timer.add(1_000_040, 1 | 2);
    timer.remove(1_000_040, 1);
    timer.add(1_000_040, 1);
    vi.advanceTimersByTime(20);
    expect(fired).toEqual([4, 3]);
    expect(timer.size()).toBe(0);
  });

  it('keeps at most maxTimers instants, dropping the latest (the poll finds them later)', () => {
    const timer = createDueTimer({ onDue: () => undefined, maxTimers: 2 });
    timer.add(1_000_300);
    timer.add(1_000_200);
    timer.add(1_000_400);
    expect(timer.size()).toBe(2);
  });

  it('does nothing after stop', () => {
    const onDue = vi.fn();
    const timer = createDueTimer({ onDue });
    timer.add(1_000_010);
    timer.stop();
    vi.advanceTimersByTime(100);
    expect(onDue).not.toHaveBeenCalled();
  });
});
