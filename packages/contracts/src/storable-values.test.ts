import { describe, expect, it } from 'vitest';
import { nestsDeeperThan, unstorableStrings } from './storable-values';

describe('nestsDeeperThan', () => {
  const nested = (levels: number) => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);

  it('counts arrays and objects, not scalars', () => {
    expect(nestsDeeperThan('text', 0)).toBe(false);
    expect(nestsDeeperThan([], 0)).toBe(true);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 2)).toBe(true);
  });

  it('walks a value far deeper than the stack would allow', () => {
    expect(nestsDeeperThan(nested(100), 100)).toBe(false);
    expect(nestsDeeperThan(nested(101), 100)).toBe(true);
    expect(nestsDeeperThan(nested(200_000))).toBe(true);
  });
});

describe('unstorableStrings', () => {
  it('names every NUL and lone surrogate by its JSON pointer, keys included', () => {
    expect(unstorableStrings({ 'a/b': ['ok', 'x\u0000'], 'k\u0000': 1, s: '\udc00' }, '/body')).toEqual([
      { path: '/body/a~1b/1', message: 'must not contain NUL characters' },
      { path: '/body/k\u0000', message: 'key must not contain NUL characters' },
      { path: '/body/s', message: 'must be well-formed Unicode (a lone surrogate was found)' },
    ]);
    expect(unstorableStrings({ fine: ['\ud83d\ude00'] }, '')).toEqual([]);
  });
});
