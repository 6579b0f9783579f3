import { errorRegistry } from '@conveyor/errors';
import { z } from 'zod';
import { executionEventsOpenApi } from '../live/sse-openapi';
import { servedPaths, type RestRoute } from './route-table';

const errorEnvelope = z.object({
  error: z.object({
    code: z.enum(Object.keys(errorRegistry) as [string, ...string[]]),
    message: z.string(),
    details: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown())), z.null()]),
    request_id: z.string(),
  }),
});

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });

function parametersOf(route: RestRoute, openApiPath: string) {
  const pathNames = [...openApiPath.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const queryShape = route.query instanceof z.ZodObject ? (route.query.shape as Record<string, z.ZodType>) : {};
  const paramShape = route.params instanceof z.ZodObject ? (route.params.shape as Record<string, z.ZodType>) : {};
  return [
    ...pathNames.map((name) => ({ name, in: 'path', required: true, schema: paramShape[name] ? jsonSchema(paramShape[name]) : { type: 'string' } })),
    ...Object.entries(queryShape).map(([name, schema]) => ({ name, in: 'query', required: !schema.safeParse(undefined).success, schema: jsonSchema(schema) })),
  ];
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
});

/** The OpenAPI 3.1 document, generated from the route table so it cannot drift from what is served. */
export function buildOpenApiDocument(routes: RestRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {
    '/health': {
      get: {
        operationId: 'getHealth',
        tags: ['operations'],
        summary: 'Liveness of the gateway, in the documented body',
        responses: { '200': { description: 'healthy', content: { 'application/json': { schema: { type: 'object', properties: { status: { type: 'string' }, version: { type: 'string' }, timestamp: { type: 'string', format: 'date-time' } } } } } } },
      },
    },
    '/health/detailed': {
      get: {
        operationId: 'getHealthDetailed',
        tags: ['operations'],
        summary: 'Every subgraph with its latency; 503 when one is down',
        responses: { '200': { description: 'all components healthy' }, '503': { description: 'a component is unhealthy' } },
      },
    },
  };
  for (const route of routes) {
    for (const served of servedPaths(route)) {
      const openApiPath = served.replace(/:(\w+)/g, '{$1}');
      const operation: Record<string, unknown> = {
        operationId: served === route.path ? route.operationId : `${route.operationId}V1`,
        tags: [route.tag],
        summary: route.summary,
        parameters: parametersOf(route, openApiPath),
        responses: {
          [String(route.status)]: route.response
            ? { description: 'success', content: { 'application/json': { schema: jsonSchema(route.response) } } }
            : { description: 'success' },
          '400': errorResponse('invalid request'),
          '404': errorResponse('not found'),
          '500': errorResponse('internal error'),
        },
      };
      if (route.body) operation.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } };
      paths[openApiPath] = { ...paths[openApiPath], [route.method.toLowerCase()]: operation };
    }
  }
  Object.assign(paths, executionEventsOpenApi());
  return {
    openapi: '3.1.0',
    info: { title: 'Conveyor API', version, description: 'REST surface of Conveyor. Every route runs one GraphQL operation through the federated gateway.' },
    paths,
    components: { schemas: { ErrorEnvelope: jsonSchema(errorEnvelope) } },
  };
}
