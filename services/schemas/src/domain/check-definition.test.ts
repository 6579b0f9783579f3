import type { NodeDescriptorJson } from '@conveyor/contracts';
import { nodeDescriptors } from '@conveyor/nodes';
import { describe, expect, it } from 'vitest';
import { checkDefinition, parseDefinitionShape } from './check-definition';
import { cycleClosingEdges, reachableFrom } from './graph-order';

const descriptors = new Map(nodeDescriptors.map((d) => [d.type, JSON.parse(JSON.stringify(d)) as NodeDescriptorJson]));
const limits = { maxNodes: 100, maxEdges: 200, maxConfigBytes: 1_000 };

function check(nodes: unknown[], edges: unknown[]) {
  const shaped = parseDefinitionShape({ nodes, edges }, limits);
  expect(shaped.problems).toEqual([]);
  return checkDefinition(shaped.nodes, shaped.edges, descriptors, limits);
}

describe('checkDefinition', () => {
  it('accepts a valid graph and fills in ports, ids and empty configs', () => {
    const result = check(
      [
        { id: 't', type: 'trigger.webhook' },
        { id: 'c', type: 'condition', config: { expression: 'ok' } },
        { id: 'y', type: 'noop' },
        { id: 'n', type: 'noop' },
        { id: 'join', type: 'noop' },
      ],
      [
        { source: 't', target: 'c' },
        { id: 'yes', source: 'c', source_port: 'true', target: 'y' },
        { source: 'c', source_port: 'false', target: 'n' },
        { source: 'y', target: 'join' },
        { source: 'n', target: 'join' },
      ],
    );
    expect(result.problems).toEqual([]);
    expect(result.nodes[0]).toEqual({ id: 't', type: 'trigger.webhook', config: {} });
    expect(result.edges.map((e) => e.id)).toEqual(['t:out->c:in', 'yes', 'c:false->n:in', 'y:out->join:in', 'n:out->join:in']);
  });

  it('asks for a port where a node has several, and refuses edges out of a fail node or into a trigger', () => {
    const result = check(
      [
        { id: 't', type: 'trigger.manual' },
        { id: 'c', type: 'condition', config: { expression: 'x' } },
        { id: 'f', type: 'fail', config: { message: 'no' } },
        { id: 'n', type: 'noop' },
      ],
      [
        { source: 't', target: 'c' },
        { source: 'c', target: 'f' },
        { source: 'f', target: 'n' },
        { source: 'n', target: 't' },
        { source: 't', target: 'n', target_port: 'side' },
      ],
    );
    expect(result.problems.map((p) => p.path)).toEqual(['/edges/1/source_port', '/edges/2/source_port', '/edges/3/target', '/edges/4/target_port', '/nodes/2', '/nodes/3']);
    expect(result.problems[0]!.message).toBe('is required: one of true, false');
  });

  it('finds duplicate edges and edge ids', () => {
    const result = check(
      [
        { id: 't', type: 'trigger.manual' },
        { id: 'a', type: 'noop' },
        { id: 'b', type: 'noop' },
      ],
      [
        { id: 'e', source: 't', target: 'a' },
        { source: 't', source_port: 'out', target: 'a' },
        { id: 'e', source: 't', target: 'b' },
      ],
    );
    expect(result.problems.map((p) => p.path)).toEqual(['/edges/1', '/edges/2/id', '/nodes/2']);
  });

  it('reports shape problems with pointers, config size and limits', () => {
    const shaped = parseDefinitionShape({ nodes: [{ id: '-bad', type: '' }, { id: 'ok', type: 'noop', config: [] }], edges: 'none' }, limits);
    expect(shaped.problems.map((p) => p.path)).toEqual(['/nodes/0/id', '/nodes/0/type', '/nodes/1/config', '/edges']);
    const big = parseDefinitionShape({ nodes: [{ id: 't', type: 'trigger.schedule', config: { cron: '* * * * *', input: 'x'.repeat(2_000) } }], edges: [] }, limits);
    expect(checkDefinition(big.nodes, big.edges, descriptors, limits).problems).toEqual([{ path: '/nodes/0/config', message: expect.stringMatching(/more than 1000/) }]);
    let deep: unknown = 'x';
    for (let level = 0; level < 40; level++) deep = [deep];
    const nested = parseDefinitionShape({ nodes: [{ id: 't', type: 'trigger.schedule', config: { cron: '* * * * *', input: deep } }], edges: [] }, limits);
    expect(checkDefinition(nested.nodes, nested.edges, descriptors, limits).problems).toEqual([{ path: '/nodes/0/config', message: 'config nests deeper than 32 levels' }]);
    const tooMany = parseDefinitionShape({ nodes: Array.from({ length: 101 }, (_, i) => ({ id: `n${i}`, type: 'noop' })), edges: [] }, limits);
    expect(tooMany.problems).toEqual([{ path: '/nodes', message: 'at most 100 nodes' }]);
  });

  it('escapes JSON pointer tokens in config paths', () => {
    const result = check([{ id: 't', type: 'trigger.manual' }, { id: 's', type: 'set', config: { values: { 'a/b': '1 +' } } }], [{ source: 't', target: 's' }]);
    expect(result.problems).toEqual([{ path: '/nodes/1/config/values/a~1b', message: expect.stringMatching(/invalid JSONata/) }]);
  });
});

describe('graph order', () => {
  it('finds the edges that close cycles, self-loops included', () => {
    expect(cycleClosingEdges(['a', 'b', 'c'], [{ source: 'a', target: 'b' }, { source: 'b', target: 'c' }, { source: 'c', target: 'a' }])).toEqual([2]);
    expect(cycleClosingEdges(['a'], [{ source: 'a', target: 'a' }])).toEqual([0]);
    expect(cycleClosingEdges(['a', 'b', 'c'], [{ source: 'a', target: 'b' }, { source: 'a', target: 'c' }, { source: 'b', target: 'c' }])).toEqual([]);
  });

  it('handles a long chain without recursion', () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => `n${i}`);
    const edges = ids.slice(1).map((id, i) => ({ source: ids[i]!, target: id }));
    expect(cycleClosingEdges(ids, edges)).toEqual([]);
    expect(reachableFrom(['n0'], edges).size).toBe(50_000);
  });
});
