import { AppError, ValidationError } from '@conveyor/errors';
import type { Logger, RequestContext } from '@conveyor/service-runtime';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { createFailureLimiter } from './failure-limiter';
import { servedPaths, type RestRoute } from './route-table';

export type OperationRunner = (operation: string, variables: Record<string, unknown>, context: RequestContext) => Promise<Record<string, unknown>>;

type Location = 'params' | 'query' | 'body';

/** Validates one part of the request; problems carry JSON-pointer paths (`/body/execute_at`). */
function parsePart(schema: z.ZodType | undefined, value: unknown, location: Location): unknown {
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(`Invalid request ${location === 'params' ? 'path' : location}`, {
    details: {
      issues: result.error.issues.map((issue) => ({
        path: `/${[location, ...issue.path.map(String)].map((t) => t.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`,
        message: issue.message,
      })),
    },
  });
}

/** Registers every route of the table (and its `/api/v1` alias) on the gateway's HTTP server. */
export function registerRestRoutes(app: FastifyInstance, routes: RestRoute[], run: OperationRunner): void {
  const limiter = createFailureLimiter();
  for (const route of routes) {
    const handler = async (request: FastifyRequest) => {
      const input = {
        params: parsePart(route.params, request.params, 'params'),
        query: parsePart(route.query, request.query, 'query'),
        body: parsePart(route.body, request.body, 'body'),
        headers: request.headers,
      };
      const budgets = (route.failureLimits?.limits ?? []).flatMap((limit) => {
        const key = limit.key(input as never, request.ip);
        return key === null ? [] : [{ key: `${route.operationId}:${limit.name}:${key}`, limit }];
      });
      limiter.check(budgets);
      let data: Record<string, unknown>;
      try {
        data = await run(typeof route.operation === 'string' ? route.operation : route.operation(input as never), route.variables(input as never), {
          requestId: request.id,
          logger: request.log as Logger,
          authorization: route.forwardAuthorization === false ? undefined : request.headers.authorization,
        });
      } catch (error) {
        if (error instanceof AppError && route.failureLimits?.codes.includes(error.code)) limiter.fail(budgets);
        throw error;
      }
      limiter.succeed(budgets);
      return { body: route.respond(data, input as never), headers: route.responseHeaders?.(data), status: route.statusOf?.(data) ?? route.status };
    };
    const registerOn = (target: FastifyInstance) => {
      for (const url of servedPaths(route)) {
        target.route({
          method: route.method,
          url,
          handler: async (request, reply) => {
            const { body, headers, status } = await handler(request).catch((error: unknown) => {
              // A 429 says when to come back (`details.retry_after_seconds`, from here or a service).
              const retryAfter = error instanceof AppError && error.code === 'RATE_LIMIT_EXCEEDED' ? (error.details as { retry_after_seconds?: unknown } | undefined)?.retry_after_seconds : undefined;
              if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
              throw error;
            });
            if (headers) reply.headers(headers);
            reply.code(status);
            return body === undefined ? reply.send() : body;
          },
        });
      }
    };
    if (!route.rawBody) {
      registerOn(app);
      continue;
    }
    // Raw-body routes live in their own encapsulated context, whose only parser keeps the bytes as a string.
    app.register(async (child) => {
      child.removeAllContentTypeParsers();
      child.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
      registerOn(child);
    });
  }
}
