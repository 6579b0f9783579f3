import { Agent, request } from 'undici';

/**
 * What `RemoteGraphQLDataSource` reads of a fetch response. Node's global `fetch` builds full
 * WHATWG objects per call; undici's `request` on a keep-alive agent skips that and took the
 * gateway from 387 to (see bench/gateway) requests/s at concurrency 1.
 */
interface SubgraphResponse {
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
}

/** A fetcher for subgraph calls: pooled keep-alive connections and a per-request timeout. */
export function createSubgraphFetcher(timeoutMs: number) {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128, pipelining: 1 });
  return async (url: string, init: { method?: string; headers?: Record<string, string> | Headers; body?: string }): Promise<SubgraphResponse> => {
    const headers: Record<string, string> = {};
    if (init.headers instanceof Headers) init.headers.forEach((value, key) => (headers[key] = value));
    else Object.assign(headers, init.headers);
    const response = await request(url, {
      method: (init.method ?? 'POST') as 'POST',
      headers,
      body: init.body ?? null,
      dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.body.text();
    return {
      ok: response.statusCode >= 200 && response.statusCode < 300,
      status: response.statusCode,
      statusText: String(response.statusCode),
      url,
      headers: {
        get: (name) => {
          const value = response.headers[name.toLowerCase()];
          return Array.isArray(value) ? value.join(', ') : (value ?? null);
        },
      },
      json: async () => JSON.parse(text),
      text: async () => text,
    };
  };
}
