import type pg from 'pg';
import { compileGraph, graphKeyOf, type CompiledGraph, type ExecutionGraph } from './graph';

/**
 * Graphs by key, compiled once per process. Keys are content hashes, so an entry never goes
 * stale; the map is bounded so that a long-lived worker does not grow without limit.
 */
export interface GraphStore {
  get(key: string): Promise<CompiledGraph>;
  /** Compiles a graph; `stored` says whether this process knows its row exists (else the caller inserts it). */
  compile(graph: ExecutionGraph): { graph: CompiledGraph; stored: boolean };
  /** Whether this process knows the graph's row is stored. */
  has(key: string): boolean;
  /** Caches a saved graph once its transaction has committed. */
  remember(graph: CompiledGraph): void;
}

export function createGraphStore(pool: pg.Pool, maxEntries = 1_000): GraphStore {
  const cache = new Map<string, CompiledGraph>();
  const remember = (graph: CompiledGraph) => {
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(graph.key, graph);
    return graph;
  };
  return {
    async get(key) {
      const cached = cache.get(key);
      if (cached) return cached;
      const { rows } = await pool.query<{ graph: ExecutionGraph }>('select graph from graphs where key = $1', [key]);
      if (!rows[0]) throw new Error(`graph ${key} is not stored`);
      return remember(compileGraph(key, rows[0].graph));
    },
    compile(graph) {
      const key = graphKeyOf(graph);
      const cached = cache.get(key);
      return cached ? { graph: cached, stored: true } : { graph: compileGraph(key, graph), stored: false };
    },
    has: (key) => cache.has(key),
    remember: (graph) => void remember(graph),
  };
}
