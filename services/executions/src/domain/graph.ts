import { createHash } from 'node:crypto';

/** A node of the graph an execution runs. */
export interface GraphNode {
  id: string;
  type: string;
  config: Record<string, unknown>;
}

/** An edge leaves `from` through one of its output ports (`fromPort`) and enters `to`. */
export interface GraphEdge {
  key: string;
  from: string;
  fromPort: string | null;
  to: string;
}

/** The immutable graph an execution pins at start (nodes and edges of one schema version). */
export interface ExecutionGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Indexes over a graph, built once per graph key and cached by the workers. */
export interface CompiledGraph extends ExecutionGraph {
  key: string;
  node(id: string): GraphNode | undefined;
  outgoing(id: string): GraphEdge[];
  incoming(id: string): GraphEdge[];
  /** Nodes without incoming edges: where an execution starts when no start step is given. */
  entryNodes(): GraphNode[];
  /** Nodes reachable from `start` (itself included). */
  reachableFrom(start: string): Set<string>;
}

const asString = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/**
 * Accepts the nodes and edges of a schema version in the shapes editors produce (`source`/`target`
 * with `sourcePort`, `source_port` or `sourceHandle`; or `from`/`to` with `port`) and returns the
 * engine's form. Anything it cannot read is a schema problem, reported with the offending index.
 */
export function normalizeGraph(nodes: unknown[], edges: unknown[]): ExecutionGraph {
  const normalNodes = nodes.map((raw, index) => {
    const node = raw as Record<string, unknown>;
    const id = asString(node?.id);
    const type = asString(node?.type);
    if (!id || !type) throw new Error(`node ${index} has no id or type`);
    const config = node.config && typeof node.config === 'object' ? (node.config as Record<string, unknown>) : {};
    return { id, type, config };
  });
  const normalEdges = edges.map((raw, index) => {
    const edge = raw as Record<string, unknown>;
    const from = asString(edge?.source) ?? asString(edge?.from);
    const to = asString(edge?.target) ?? asString(edge?.to);
    if (!from || !to) throw new Error(`edge ${index} has no source or target`);
    const fromPort = asString(edge.sourcePort) ?? asString(edge.source_port) ?? asString(edge.sourceHandle) ?? asString(edge.port) ?? asString(edge.fromPort);
    return { key: asString(edge.id) ?? `${from}:${fromPort ?? '*'}->${to}#${index}`, from, fromPort, to };
  });
  return { nodes: normalNodes, edges: normalEdges };
}

/** SHA-256 of the graph's JSON: equal graphs share one stored row and one cache entry. */
export function graphKeyOf(graph: ExecutionGraph): string {
  return createHash('sha256').update(JSON.stringify(graph)).digest('hex');
}

export function compileGraph(key: string, graph: ExecutionGraph): CompiledGraph {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const outgoing = new Map<string, GraphEdge[]>();
  const incoming = new Map<string, GraphEdge[]>();
  for (const edge of graph.edges) {
    outgoing.set(edge.from, [...(outgoing.get(edge.from) ?? []), edge]);
    incoming.set(edge.to, [...(incoming.get(edge.to) ?? []), edge]);
  }
  const reachCache = new Map<string, Set<string>>();
  return {
    ...graph,
    key,
    node: (id) => byId.get(id),
    outgoing: (id) => outgoing.get(id) ?? [],
    incoming: (id) => incoming.get(id) ?? [],
    entryNodes: () => graph.nodes.filter((n) => (incoming.get(n.id) ?? []).length === 0),
    reachableFrom(start) {
      const cached = reachCache.get(start);
      if (cached) return cached;
      const seen = new Set<string>([start]);
      const queue = [start];
      while (queue.length > 0) {
        for (const edge of outgoing.get(queue.pop()!) ?? []) {
          if (!seen.has(edge.to)) {
            seen.add(edge.to);
            queue.push(edge.to);
          }
        }
      }
      reachCache.set(start, seen);
      return seen;
    },
  };
}

/**
 * The incoming edges a node waits for in a run that began at `start`: only those whose source
 * can still run (is reachable from the start). A join never waits for a branch upstream of the
 * start step, and the start node itself waits for nothing.
 */
export function relevantIncoming(graph: CompiledGraph, nodeId: string, start: string): GraphEdge[] {
  if (nodeId === start) return [];
  const reachable = graph.reachableFrom(start);
  return graph.incoming(nodeId).filter((edge) => reachable.has(edge.from));
}

/** Whether an edge is taken given the ports a step continued along (`null` port = every port). */
export function edgeTaken(edge: GraphEdge, ports: string[] | null): boolean {
  if (ports === null) return true;
  return edge.fromPort === null ? ports.length > 0 : ports.includes(edge.fromPort);
}
