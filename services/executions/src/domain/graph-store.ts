import type pg from 'pg';
import type { Queryable } from '../db/transaction';
import { compileGraph, graphKeyOf, type CompiledGraph, type ExecutionGraph } from './graph';

/**
 * Graphs by key, compiled once per process. Keys are content hashes, so an entry never goes
 * stale; the map is bounded so that a long-lived worker does not grow without limit.
 */
export interface GraphStore {
  get(key: string): Promise<CompiledGraph>;
  /** Stores the graph inside the caller's transaction (skipped when known stored) and returns it compiled. */
  save(client: Queryable, graph: ExecutionGraph): Promise<CompiledGraph>;
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
    async save(client, graph) {
      const key = graphKeyOf(graph);
      const cached = cache.get(key);
      if (cached) return cached;
      await client.query('insert into graphs (key, graph) values ($1, $2) on conflict (key) do nothing', [key, JSON.stringify(graph)]);
      return compileGraph(key, graph);
    },
    remember: (graph) => void remember(graph),
  };
}
