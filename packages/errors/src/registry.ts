/**
 * The one registry of error codes. Every code a client can see is declared here with its HTTP
 * status; GraphQL answers carry the same code in `extensions.code`. The REST adapter, the
 * subgraphs' `formatError` and the NATS request/reply layer all map through this table.
 */
export const errorRegistry = {
  VALIDATION_ERROR: { status: 400, message: 'Invalid request parameters' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON' },
  GRAPHQL_PARSE_FAILED: { status: 400, message: 'The GraphQL document could not be parsed' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, message: 'The GraphQL document is not valid' },
  BAD_USER_INPUT: { status: 400, message: 'Invalid GraphQL variables or arguments' },
  QUERY_TOO_COMPLEX: { status: 400, message: 'The query exceeds the depth, cost or alias limits' },
  AUTH_FAILED: { status: 401, message: 'Authentication failed' },
  INVALID_TOKEN: { status: 401, message: 'The token is invalid' },
  TOKEN_EXPIRED: { status: 401, message: 'The token has expired' },
  PERMISSION_DENIED: { status: 403, message: 'Permission denied' },
  RESOURCE_NOT_FOUND: { status: 404, message: 'Resource not found' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this route' },
  DUPLICATE_RESOURCE: { status: 409, message: 'Resource already exists' },
  CONFLICT: { status: 409, message: 'The resource is not in a state that allows this' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  UNPROCESSABLE_ENTITY: { status: 422, message: 'The request is well-formed but cannot be processed' },
  RATE_LIMIT_EXCEEDED: { status: 429, message: 'Rate limit exceeded' },
  INTERNAL_ERROR: { status: 500, message: 'Internal server error' },
  PIPELINE_EXECUTION_ERROR: { status: 500, message: 'Execution failed' },
  CONNECTOR_ERROR: { status: 502, message: 'Could not connect to the source' },
  DATABASE_ERROR: { status: 503, message: 'Database unavailable' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service unavailable' },
  UPSTREAM_TIMEOUT: { status: 504, message: 'An upstream service did not answer in time' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorRegistry;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorRegistry, value);
}

/** HTTP status of a code; unknown codes are internal errors. */
export function statusOf(code: string): number {
  return isErrorCode(code) ? errorRegistry[code].status : 500;
}
