import type { z } from 'zod';
import type { FailureLimit } from './failure-limiter';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a route handler has parsed from the request, already validated by the route's schemas. */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The request's headers (lower-case names), for preconditions such as `If-Match`. */
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One documented endpoint: its method and path, the fixed GraphQL operation it runs in-process
 * against the gateway, how the request becomes variables and how the data becomes the
 * documented body and status. The OpenAPI document is generated from these entries.
 */
export interface RestRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  operationId: string;
  method: HttpMethod;
  /** fastify syntax: `/api/v1/tasks/:id`. Routes under `/api/` but not `/api/v1/` are also served under `/api/v1/`. */
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The fixed GraphQL operation; or, for a route whose path picks among a few fields, a function
   * of the input that returns one of a fixed set of operations (each parsed, validated and planned
   * once, and cheaper per request than one operation with an `@include` per choice).
   */
  operation: string | ((input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>) => string);
  variables: (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>) => Record<string, unknown>;
  status: number;
  /** Shapes the operation's `data` into the documented body; `undefined` sends no body (204). */
  respond: (data: Record<string, unknown>, input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>) => unknown;
  /** The status when it depends on the data (a webhook answers 200 once finished, else 202); `status` otherwise. */
  statusOf?: (data: Record<string, unknown>) => number;
  /**
   * The body reaches `variables` as the raw string, whatever its content type (no JSON parsing):
   * for webhooks, whose signature is computed over the exact bytes sent.
   */
  rawBody?: boolean;
  /** Response headers derived from the data (an `ETag`, a `Set-Cookie`), if any. */
  responseHeaders?: (data: Record<string, unknown>) => Record<string, string | string[]>;
  /**
   * `false` for public operations (login, register, refresh): the caller's `Authorization`
   * header is not forwarded, so a stale access token sent along cannot fail them.
   */
  forwardAuthorization?: boolean;
  /**
   * Failure budgets (login): each names the key it counts under from the input and the client
   * address, or `null` to skip. Counted when the operation fails with one of `codes`.
   */
  failureLimits?: {
    codes: string[];
    limits: Array<FailureLimit & { key: (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>, clientAddress: string) => string | null }>;
  };
  /** `false` when the `/api/v1` alias would collide with another documented route (the cookie-mode `/api/auth/*`). */
  versionAlias?: boolean;
  /** The documented success body, for the OpenAPI document. */
  response?: z.ZodType;
}

/** Keeps each entry's schema types tied to its own handlers. */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(route: RestRoute<P, Q, B>): RestRoute {
  return route as unknown as RestRoute;
}

/** The path and its `/api/v1` alias, as the architecture asks of every route. */
export function servedPaths(route: RestRoute): string[] {
  if (route.versionAlias !== false && route.path.startsWith('/api/') && !route.path.startsWith('/api/v1/')) {
    return [route.path, route.path.replace(/^\/api\//, '/api/v1/')];
  }
  return [route.path];
}
