/**
 * Graph checks over node ids and directed edges: cycles and reachability. Iterative (no
 * recursion), so a 10 000-node chain cannot overflow the stack.
 */

/** Indexes of edges that close a cycle (back edges of a depth-first search). */
export function cycleClosingEdges(nodeIds: string[], edges: Array<{ source: string; target: string }>): number[] {
  const outgoing = new Map<string, Array<{ target: string; index: number }>>();
  for (const id of nodeIds) outgoing.set(id, []);
  edges.forEach((edge, index) => outgoing.get(edge.source)?.push({ target: edge.target, index }));
  const state = new Map<string, 'open' | 'done'>();
  const closing: number[] = [];
  for (const start of nodeIds) {
    if (state.has(start)) continue;
    const stack: Array<{ id: string; next: number }> = [{ id: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const out = outgoing.get(frame.id) ?? [];
      if (frame.next >= out.length) {
        state.set(frame.id, 'done');
        stack.pop();
        continue;
      }
      const { target, index } = out[frame.next++]!;
      const seen = state.get(target);
      if (seen === 'open') closing.push(index);
      else if (seen === undefined && outgoing.has(target)) {
        state.set(target, 'open');
        stack.push({ id: target, next: 0 });
      }
    }
  }
  return closing;
}

/** Node ids reachable from any of `roots` along the edges. */
export function reachableFrom(roots: string[], edges: Array<{ source: string; target: string }>): Set<string> {
  const outgoing = new Map<string, string[]>();
  for (const edge of edges) {
    const list = outgoing.get(edge.source) ?? [];
    list.push(edge.target);
    outgoing.set(edge.source, list);
  }
  const seen = new Set(roots);
  const queue = [...roots];
  while (queue.length > 0) {
    for (const next of outgoing.get(queue.pop()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}
