import { describe, expect, it } from 'vitest';
import { compileGraph, edgeTaken, graphKeyOf, normalizeGraph, relevantIncoming } from './graph';

const graph = () => {
  const g = normalizeGraph(
    [
      { id: 'a', type: 'trigger.manual' },
      { id: 'b', type: 'condition', config: { expression: 'x' } },
      { id: 'c', type: 'noop' },
      { id: 'd', type: 'noop' },
      { id: 'j', type: 'noop' },
    ],
    [
      { source: 'a', target: 'b' },
      { source: 'b', target: 'c', source_port: 'true' },
      { from: 'b', to: 'd', port: 'false' },
      { source: 'c', target: 'j', sourceHandle: 'out' },
      { id: 'dj', source: 'd', target: 'j' },
    ],
  );
  return compileGraph(graphKeyOf(g), g);
};

describe('graph', () => {
  it('reads the edge shapes editors produce', () => {
    const g = graph();
    expect(g.edges.map((e) => [e.from, e.fromPort, e.to])).toEqual([
      ['a', null, 'b'],
      ['b', 'true', 'c'],
      ['b', 'false', 'd'],
      ['c', 'out', 'j'],
      ['d', null, 'j'],
    ]);
    expect(g.edges[4]!.key).toBe('dj');
    expect(() => normalizeGraph([{ id: 'x' }], [])).toThrow(/node 0/);
    expect(() => normalizeGraph([], [{ source: 'x' }])).toThrow(/edge 0/);
  });

  it('a join waits only for branches reachable from the start', () => {
    const g = graph();
    expect(relevantIncoming(g, 'j', 'a').map((e) => e.from)).toEqual(['c', 'd']);
    expect(relevantIncoming(g, 'j', 'd').map((e) => e.from)).toEqual(['d']);
    expect(relevantIncoming(g, 'd', 'd')).toEqual([]);
    expect(g.entryNodes().map((n) => n.id)).toEqual(['a']);
  });

  it('takes an edge by its port; a port-less edge follows any port', () => {
    const g = graph();
    const [, toC, toD] = g.edges;
    expect(edgeTaken(toC!, ['true'])).toBe(true);
    expect(edgeTaken(toD!, ['true'])).toBe(false);
    expect(edgeTaken(toD!, null)).toBe(true);
    expect(edgeTaken(g.edges[4]!, ['out'])).toBe(true);
    expect(edgeTaken(g.edges[4]!, [])).toBe(false);
  });

  it('keys equal graphs equally', () => {
    expect(graph().key).toBe(graph().key);
  });
});
